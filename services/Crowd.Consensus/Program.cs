using Crowd.Consensus.Api;
using Crowd.Consensus.Options;
using Crowd.Consensus.Revisiting;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.ServiceDefaults;

var builder = CrowdHost.CreateBuilder(args);
builder.AddServiceDefaults();                                      // auth, problem details, validation, health, OpenAPI
builder.AddCrowdData(typeof(Program).Assembly);                    // database, migrations
builder.AddCrowdMessaging("consensus", typeof(Program).Assembly);  // consumers, inbox, outbox relay
builder.Services.Configure<ConsensusOptions>(builder.Configuration.GetSection("Consensus"));
builder.Services.Configure<QaOptions>(builder.Configuration.GetSection("Qa"));
builder.Services.AddHostedService<BatchRevisitor>();               // early decisions revisited before a batch completes

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDisagreementsApi();
app.MapAgreementApi();
app.Run();

public partial class Program;
