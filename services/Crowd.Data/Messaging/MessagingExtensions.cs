using System.Reflection;
using Crowd.Contracts.Audit;
using Crowd.Data.Audit;
using Crowd.Data.Outbox;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Crowd.Data.Messaging;

public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 55672;
    public string VirtualHost { get; set; } = "/";
    /// <summary>
    /// The service's own broker user (<c>./crowd up</c> gives each service one named after it). Its audit events carry it
    /// as the AMQP <c>user_id</c>, which RabbitMQ checks against the connection's login: a receiver knows
    /// which service sent a message, and no service can send as another (payouts' audit chain relies on it). Set on audit
    /// events only (see <see cref="MessagingExtensions.AddCrowdMessaging"/>).
    /// </summary>
    public string Username { get; set; } = "crowd";
    public string Password { get; set; } = "crowd";

    /// <summary>Deliveries each receive endpoint (one consumer's queue) handles at once, unless its definition says otherwise.</summary>
    public int ConcurrentMessageLimit { get; set; } = 8;

    /// <summary>Unacknowledged deliveries the broker hands each endpoint ahead of its consumers.</summary>
    public ushort PrefetchCount { get; set; } = 16;

    /// <summary>
    /// Instances of this service consuming the same queues (<c>./crowd up --replicas N</c> sets it). Each receives a
    /// stream's Nth part, so a batch consumer waits N times its window for company (<see cref="BatchConsumerDefinition{TConsumer}"/>):
    /// its batches keep the size one instance's would have, and the deployment pays each transaction's fixed cost no more
    /// often than one instance does.
    /// </summary>
    public int Instances { get; set; } = 1;

    /// <summary>
    /// How long to wait for company when one instance would wait <paramref name="oneInstance"/>: N times as long with N
    /// instances, each of which sees one event in N (the batch consumers' windows, the relays' and the audit shipper's
    /// gathers), so what it then takes holds as much as one instance's would.
    /// </summary>
    public TimeSpan GatherFor(TimeSpan oneInstance) => oneInstance * Math.Max(1, Instances);

    /// <summary>
    /// The most batches each batch consumer of this instance holds at once (a definition may ask for fewer): two, so one
    /// is read and written while the other holds its hot rows through its commit, or one in a process told it has one
    /// core (<see cref="CoreShare"/>), where the second would only wait for the core.
    /// </summary>
    public int BatchesInHand { get; set; } = CoreShare.InFlight(2);
}

public static class MessagingExtensions
{
    /// <summary>The waits between a failed delivery's attempts, in milliseconds: immediate and interval retries only.</summary>
    private static readonly int[] RetryIntervals = [50, 200, 500, 1000, 2000, 5000];

    /// <summary>
    /// Attempts of a delivery that fails because the database is away (<see cref="DatabaseFaults"/>), 200 ms apart growing
    /// to 10 s: about 2.7 hours of outage before the message is parked. The message is fine; parking it would leave its
    /// batch unfinished until an operator notices.
    /// </summary>
    private const int DatabaseOutageRetries = 1000;

    /// <summary>
    /// MassTransit over RabbitMQ (section <c>RabbitMq</c>) with every consumer in <paramref name="consumerAssembly"/>,
    /// queues prefixed by the service name so that two services' consumers of one event never compete,
    /// interval retries then the <c>_error</c> queue (no delayed-exchange plugin here), and the outbox relay.
    /// Every consumer handles up to <see cref="RabbitMqOptions.ConcurrentMessageLimit"/> deliveries at once (README,
    /// "Concurrency per consumer", says why each is safe); a consumer definition may set its own.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdMessaging(this IHostApplicationBuilder builder, string serviceName, Assembly consumerAssembly)
    {
        var rabbit = builder.Configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        builder.Services.AddSingleton(Options.Create(rabbit));
        builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection("Outbox"));
        builder.Services.Configure<AuditOptions>(builder.Configuration.GetSection("Audit"));

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            bus.AddConsumers(consumerAssembly);
            // The bus's health is not readiness: /health/ready is about the database, which every request needs. A broker
            // outage delays messages only; it shows at /health/broker and in the logs.
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Tags.Clear();
                health.Tags.Add("broker");
            });
            bus.UsingRabbitMq((context, transport) =>
            {
                transport.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, host =>
                {
                    host.Username(rabbit.Username);
                    host.Password(rabbit.Password);
                    host.PublisherConfirmation = true;
                });
                // An audit event carries its sender's login as the AMQP user_id, which the broker checks (RabbitMqOptions.Username).
                // Only audit events: a message moved to an _error queue keeps its properties, and the broker would refuse
                // the move of another service's message by a connection that is not that service's.
                transport.ConfigurePublish(publish => publish.UseExecute(message =>
                {
                    if (message is PublishContext<AuditEventsRecorded> && message.TryGetPayload(out RabbitMqSendContext? amqp))
                    {
                        amqp.BasicProperties.UserId = rabbit.Username;
                    }
                }));
                transport.PrefetchCount = rabbit.PrefetchCount;
                transport.ConcurrentMessageLimit = rabbit.ConcurrentMessageLimit;
                // A database that is away, restarting or losing a conflict is waited out (outer policy); any other failure
                // is retried in place a bounded number of times (7 deliveries over about 9 s), then the message is parked
                // in <queue>_error for an operator, and the deliveries behind it go on meanwhile in the other slots.
                transport.UseMessageRetry(retry =>
                {
                    retry.Exponential(DatabaseOutageRetries, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
                    retry.Handle<Exception>(DatabaseFaults.IsTransient);
                });
                transport.UseMessageRetry(retry =>
                {
                    retry.Intervals(RetryIntervals);
                    retry.Ignore<Exception>(DatabaseFaults.IsTransient);
                });
                transport.ConfigureEndpoints(context);
            });
        });
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            // The service starts, and its HTTP API answers, while the broker is away: the bus keeps connecting in the
            // background, writes commit to the outbox meanwhile, and the relay publishes them once the broker is back.
            host.WaitUntilStarted = false;
            host.StopTimeout = TimeSpan.FromSeconds(10);
        });
        // Every service records audit events, most of them one a transaction (a claim's disclosure): journaled and shipped
        // many to a message, and what the shipper sends in small messages merged by the relay, they cost the broker and
        // payouts one message for many events.
        builder.Services.AddHostedService<AuditShipper>();
        builder.Services.AddOutboxMerge<AuditEventsRecorded>(bundle => bundle.Events.Count, AuditTrail.Merge);
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddHostedService<OutboxNotifier>();
        builder.Services.AddHostedService<OutboxPruner>();
        builder.Services.AddHostedService<OutboxGauges>();
        builder.Services.AddConsumeObserver<HandledMessageLog>();
        return builder;
    }
}
