using System.Diagnostics;

namespace Crowd.Data.Observability;

/// <summary>
/// The platform's own spans (the outbox relay's publishes), beside ASP.NET Core's, HttpClient's, Npgsql's and
/// MassTransit's. A message keeps the trace of the request or message that caused it: its outbox row stores the trace
/// context it was written under (<c>trace_parent</c>), and the relay publishes it inside a span of that trace, so
/// MassTransit's headers carry it on to every consumer.
/// </summary>
public static class CrowdTracing
{
    public const string SourceName = "Crowd";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The current W3C trace context (<c>traceparent</c>), or null outside any trace.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;
}
