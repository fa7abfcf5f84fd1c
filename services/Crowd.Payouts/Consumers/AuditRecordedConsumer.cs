using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Payouts.Audit;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Every service's audited acts, this one's included, join the one chain here, many per transaction: the chain has one
/// writer at a time, so each turn appends a whole batch (<see cref="AuditRecordedConsumerDefinition"/>).
/// </summary>
public sealed class AuditRecordedConsumer(Database database) : InboxBatchConsumer<AuditRecorded>(database)
{
    protected override Task HandleAsync(UnitOfWork work, IReadOnlyList<AuditRecorded> messages) => work.AppendAsync(messages);
}

/// <summary>
/// Batches of up to 200 events, or what has come within 20 ms; one batch at a time per instance, since appends
/// serialise on the chain's lock anyway (instances' batches take turns). The prefetch keeps the next batch waiting.
/// </summary>
public sealed class AuditRecordedConsumerDefinition : ConsumerDefinition<AuditRecordedConsumer>
{
    public const int MessageLimit = 200;

    public AuditRecordedConsumerDefinition() => ConcurrentMessageLimit = MessageLimit * 2;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AuditRecordedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.ConcurrentMessageLimit = MessageLimit * 2;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = MessageLimit * 2;
        }

        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(20))
            .SetConcurrencyLimit(1));
    }
}
