using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Payouts.Data;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Notes the cancel, so that a batch not funded yet never is. A funded batch's escrow is settled on BatchDrained (or the
/// last payment after it): claims open at the cancel may still be submitted, and their rewards come from that escrow.
/// </summary>
public sealed class BatchCancelledConsumer(Database database) : InboxConsumer<BatchCancelled>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchCancelled> context) =>
        work.RecordAsync(context.Message.BatchId, cancelledAt: context.Message.CancelledAt);
}
