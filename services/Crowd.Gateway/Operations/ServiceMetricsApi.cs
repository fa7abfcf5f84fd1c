using Crowd.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Yarp.ReverseProxy;

namespace Crowd.Gateway.Operations;

/// <summary>One instance of a service as the operator sees it: reachable or not, and its platform metrics.</summary>
public sealed record InstanceMetrics(string Service, string Address, bool Up, string? Error, IReadOnlyList<MetricSample> Metrics);

/// <summary>
/// <c>GET /v1/metrics</c> (role <c>admin</c>): the platform's own series (<c>crowd_*</c>) of every instance the gateway
/// balances, read from each instance's <c>/metrics</c>. The services' <c>/metrics</c> stay off the public network (API.md,
/// Health); this is how an operator's browser (the console) sees them, behind the same token as the rest of the API.
/// The gateway forwards every other request with its token untouched: only this endpoint checks one here, so proxied
/// requests pay nothing for it.
/// </summary>
public static class ServiceMetricsApi
{
    private const string Prefix = "crowd_";
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapServiceMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/metrics", ReadAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReadAsync(HttpContext http, IProxyStateLookup proxy, IHttpClientFactory clients, CancellationToken cancel)
    {
        var caller = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!caller.Succeeded)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "A valid bearer token is required.");
        }

        if (!caller.Principal.IsInRole(Roles.Admin))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "The platform's metrics are for admins.");
        }

        var client = clients.CreateClient(nameof(ServiceMetricsApi));
        var instances = proxy.GetClusters()
            .SelectMany(cluster => cluster.Destinations.Values.Select(destination => (cluster.ClusterId, destination.Model.Config.Address)))
            .OrderBy(instance => instance.ClusterId, StringComparer.Ordinal).ThenBy(instance => instance.Address, StringComparer.Ordinal)
            .Select(instance => ScrapeAsync(client, instance.ClusterId, instance.Address, cancel));
        return Results.Ok(new { services = await Task.WhenAll(instances) });
    }

    private static async Task<InstanceMetrics> ScrapeAsync(HttpClient client, string service, string address, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(ScrapeTimeout);
        try
        {
            var text = await client.GetStringAsync(new Uri(new Uri(address), "/metrics"), timeout.Token);
            var samples = PrometheusText.Parse(text).Where(sample => sample.Name.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
            return new InstanceMetrics(service, address, Up: true, Error: null, samples);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return new InstanceMetrics(service, address, Up: false, Error: e.Message, []);
        }
    }
}
