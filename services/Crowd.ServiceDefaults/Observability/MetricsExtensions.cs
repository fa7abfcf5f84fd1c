using Crowd.Data.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Crowd.ServiceDefaults.Observability;

public static class MetricsExtensions
{
    /// <summary>
    /// OpenTelemetry metrics: ASP.NET Core's HTTP server, Kestrel and rate-limiter meters, the runtime's own (CPU time,
    /// GC, thread pool, JIT: what a process spends besides its work), and the platform's own (<see cref="CrowdMetrics"/>),
    /// scraped as Prometheus text at <c>/metrics</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting")
                .AddMeter("System.Runtime")
                .AddMeter(CrowdMetrics.MeterName)
                // Every scrape reads the instruments now: a cached answer would show an operator (or a test) a figure
                // from before what they just did.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary><c>GET /metrics</c>, no auth (API.md, Health): what an operator's scraper reads.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
