using Crowd.Assignment.Api;
using Crowd.Assignment.Domain;
using Crowd.Assignment.Options;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.ServiceDefaults;

var builder = CrowdHost.CreateBuilder(args);
builder.AddServiceDefaults();                                       // auth, problem details, validation, health, OpenAPI
builder.AddCrowdData(typeof(Program).Assembly);                     // database, migrations
builder.AddCrowdMessaging("assignment", typeof(Program).Assembly);  // consumers, inbox, outbox relay
builder.Services.Configure<LeaseOptions>(builder.Configuration.GetSection("Lease"));
builder.Services.Configure<ClaimOptions>(builder.Configuration.GetSection("Claims"));
builder.Services.Configure<HardTaskOptions>(builder.Configuration.GetSection("HardTasks"));
builder.Services.Configure<PoolOptions>(builder.Configuration.GetSection("Pool"));
builder.Services.AddHostedService<LeaseSweeper>();                  // expired leases back to the pool
builder.Services.AddHostedService<PoolPruner>();                    // finished batches out of the pool, after a while
builder.Services.AddSingleton(TimeProvider.System);                 // exams' start, finish and retake times

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapWorkersApi();
app.MapClaimsApi();
app.MapQualificationsApi();
app.MapExamsApi();
app.Run();

public partial class Program;
