using Crowd.Data.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Trace;

namespace Crowd.ServiceDefaults.Observability;

public static class TracingExtensions
{
    /// <summary>
    /// OpenTelemetry traces: ASP.NET Core (a W3C <c>traceparent</c> from the gateway is continued), HttpClient, Npgsql,
    /// MassTransit (its headers carry the trace to every consumer) and the outbox relay's publishes (<see cref="CrowdTracing"/>),
    /// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Logs are JSON lines (into <c>.crowd/logs/</c> under
    /// <c>./crowd up</c>), each carrying the trace and span ids of what it was written in.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdTracing(this IHostApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry().WithTracing(tracing =>
        {
            tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = IsTraced)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("MassTransit", CrowdTracing.SourceName);
            if (otlp)
            {
                tracing.AddOtlpExporter();
            }
        });
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        return builder;
    }

    /// <summary>Health probes and scrapes are not requests anyone traces: every two seconds from the gateway, they would drown the rest.</summary>
    private static bool IsTraced(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics");
}
