using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Api;
using Crowd.Payouts.Audit;
using Crowd.ServiceDefaults;

var builder = CrowdHost.CreateBuilder(args);
builder.AddServiceDefaults();                                    // auth, problem details, validation, health, OpenAPI
builder.AddCrowdData(typeof(Program).Assembly,                   // database, migrations; the audit trail append-only to
    appendOnlyTables: ["audit_events", "audit_refused"]);         // the service's login: events are added, never changed
builder.AddCrowdMessaging("payouts", typeof(Program).Assembly);  // consumers, inbox, outbox relay
builder.Services.Configure<AuditCheckpointOptions>(builder.Configuration.GetSection("Audit"));
builder.Services.AddSingleton<AuditCheckpoints>();
builder.Services.AddHostedService<AuditCheckpointer>();             // the audit chain's head, signed, outside the database
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRequesterMoneyApi();
app.MapEarningsApi();
app.MapLedgerApi();
app.MapPayoutRunsApi();
app.MapAuditApi();
app.Run();

public partial class Program;
