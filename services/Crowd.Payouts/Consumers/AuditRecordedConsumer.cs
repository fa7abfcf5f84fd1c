using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Audit;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Every service's audited acts, this one's included, join the one chain here, many per transaction: the chain has one
/// writer at a time, so each turn appends a whole batch (<see cref="AuditRecordedConsumerDefinition"/>). Only the acts
/// their broker-checked sender may record join it (<see cref="AuditSenders"/>).
/// </summary>
public sealed class AuditRecordedConsumer(Database database, ILogger<AuditRecordedConsumer> logger) : InboxBatchConsumer<AuditRecorded>(database)
{
    protected override Task<IReadOnlyList<AuditRecorded>> AdmitAsync(UnitOfWork work, IReadOnlyList<ConsumeContext<AuditRecorded>> deliveries) =>
        work.AdmitAsync(deliveries, logger);

    protected override Task HandleAsync(UnitOfWork work, IReadOnlyList<AuditRecorded> messages) => work.AppendAsync(messages);
}

/// <summary>
/// Batches of up to 200 events, or what has come within 20 ms; one batch at a time per instance, since appends
/// serialise on the chain's lock anyway (instances' batches take turns). The prefetch keeps the next batch waiting.
/// </summary>
public sealed class AuditRecordedConsumerDefinition() : BatchConsumerDefinition<AuditRecordedConsumer>(
    messageLimit: 200, timeLimit: TimeSpan.FromMilliseconds(20), concurrencyLimit: 1);
