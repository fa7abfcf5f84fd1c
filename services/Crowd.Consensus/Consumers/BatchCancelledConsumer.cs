using Crowd.Consensus.Data;
using Crowd.Contracts.Batches;
using Crowd.Data;
using MassTransit;

namespace Crowd.Consensus.Consumers;

/// <summary>Stops the cancelled batch's undecided tasks and judges their annotations, so that payouts pays every one.</summary>
public sealed class BatchCancelledConsumer(Database database) : InboxConsumer<BatchCancelled>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchCancelled> context) =>
        work.CancelBatchAsync(context.Message.BatchId, context.Message.CancelledAt);
}
