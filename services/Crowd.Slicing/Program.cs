using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.ServiceDefaults;
using Crowd.Slicing.Api;
using Crowd.Slicing.Options;
using Crowd.Slicing.Webhooks;

var builder = CrowdHost.CreateBuilder(args);
builder.AddServiceDefaults();                                    // auth, problem details, validation, health, OpenAPI
builder.AddCrowdData(typeof(Program).Assembly);                  // database, migrations
builder.AddCrowdMessaging("slicing", typeof(Program).Assembly);  // consumers, inbox, outbox relay
builder.Services.Configure<PlatformOptions>(builder.Configuration.GetSection("Platform"));
builder.AddWebhooks();                                           // signed callbacks, delivered from their table

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapBatchesApi();
app.MapItemResultsApi();
app.MapWebhooksApi();
app.Run();

public partial class Program;
