using Crowd.Gateway.WebConsole;
using Crowd.Gateway.Edge;
using Crowd.Gateway.Operations;
using Crowd.Gateway.Routing;
using Crowd.ServiceDefaults.Auth;
using OpenTelemetry.Trace;

// One base URL for the public API: routes /v1/... to the service that owns each resource (appsettings.json), balanced
// over each service's instances and health-checked (Routing/HealthCheckedClusters.cs).
// Authentication stays with the services; the gateway forwards the Authorization header untouched. Its own two parts:
// the web console's static files at /console/ (WebConsole/) and the admins' view of every instance's metrics (Operations/).
// Content root = the binary's folder, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBodySizeLimit();
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddConfigFilter<HealthCheckedClusters>();
builder.Services.AddHealthChecks();
builder.AddCrowdAuth(everyRequest: false); // only GET /v1/metrics reads a token here
builder.Services.AddHttpClient(nameof(ServiceMetricsApi));
// The request's trace starts (or, with a traceparent, goes on) here, and the forwarded request carries it to the service.
builder.Services.AddOpenTelemetry().WithTracing(tracing =>
{
    tracing
        .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
        .AddHttpClientInstrumentation();
    if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
    {
        tracing.AddOtlpExporter();
    }
});

var app = builder.Build();
app.UseBodySizeLimit();
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.UseConsole();
app.MapServiceMetrics();
app.MapReverseProxy();
app.Run();
