using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Audit;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Every service's audited acts, this one's included, join the one chain here, many per transaction: the chain has one
/// writer at a time, so each turn appends a whole batch of bundles, one bundle per sending transaction
/// (<see cref="AuditEventsRecordedConsumerDefinition"/>). Only the acts their broker-checked sender may record join it
/// (<see cref="AuditSenders"/>).
/// </summary>
public sealed class AuditEventsRecordedConsumer(Database database, ILogger<AuditEventsRecordedConsumer> logger)
    : InboxBatchConsumer<AuditEventsRecorded>(database)
{
    protected override Task<IReadOnlyList<AuditEventsRecorded>> AdmitAsync(
        UnitOfWork work, IReadOnlyList<ConsumeContext<AuditEventsRecorded>> deliveries) =>
        work.AdmitAsync(deliveries, logger);

    protected override Task HandleAsync(UnitOfWork work, IReadOnlyList<AuditEventsRecorded> messages) =>
        work.AppendAsync([.. messages.SelectMany(m => m.Events)]);
}

/// <summary>
/// Batches of up to 200 bundles, or what has come within 20 ms; one batch at a time per instance, since appends
/// serialise on the chain's lock anyway (instances' batches take turns). The prefetch keeps the next batch waiting.
/// </summary>
public sealed class AuditEventsRecordedConsumerDefinition() : BatchConsumerDefinition<AuditEventsRecordedConsumer>(
    messageLimit: 200, timeLimit: TimeSpan.FromMilliseconds(20), concurrencyLimit: 1);
