using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Api;
using Crowd.ServiceDefaults;

var builder = CrowdHost.CreateBuilder(args);
builder.AddServiceDefaults();                                    // auth, problem details, validation, health, OpenAPI
builder.AddCrowdData(typeof(Program).Assembly);                  // database, migrations
builder.AddCrowdMessaging("payouts", typeof(Program).Assembly);  // consumers, inbox, outbox relay

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRequesterMoneyApi();
app.MapEarningsApi();
app.MapLedgerApi();
app.MapPayoutRunsApi();
app.MapAuditApi();
app.Run();

public partial class Program;
