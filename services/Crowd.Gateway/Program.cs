using Crowd.Gateway.Edge;
using Crowd.Gateway.Routing;

// One base URL for the public API: routes /v1/... to the service that owns each resource (appsettings.json), balanced
// over each service's instances and health-checked (Routing/HealthCheckedClusters.cs).
// Authentication stays with the services; the gateway forwards the Authorization header untouched.
// Content root = the binary's folder, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBodySizeLimit();
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddConfigFilter<HealthCheckedClusters>();
builder.Services.AddHealthChecks();

var app = builder.Build();
app.UseBodySizeLimit();
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.MapReverseProxy();
app.Run();
