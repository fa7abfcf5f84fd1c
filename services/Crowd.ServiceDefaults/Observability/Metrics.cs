using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Crowd.ServiceDefaults.Observability;

/// <summary>The platform's own instruments; each service adds its counters to this one meter.</summary>
public static class CrowdMeter
{
    public const string Name = "Crowd";

    public static readonly Meter Meter = new(Name);
}

public static class MetricsExtensions
{
    /// <summary>
    /// OpenTelemetry metrics: ASP.NET Core's HTTP server, Kestrel and rate-limiter meters, and the platform's own
    /// (<see cref="CrowdMeter"/>), scraped as Prometheus text at <c>/metrics</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting")
            .AddMeter(CrowdMeter.Name)
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary><c>GET /metrics</c>, no auth (API.md, Health): what an operator's scraper reads.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
