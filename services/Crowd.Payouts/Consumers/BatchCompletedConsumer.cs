using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Payouts.Data;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>Notes how many judged tasks and annotations the batch will produce, and settles its escrow if they are all paid already.</summary>
public sealed class BatchCompletedConsumer(Database database) : InboxConsumer<BatchCompleted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchCompleted> context)
    {
        await work.ExecuteAsync(
            "UPDATE batch_escrows SET expected_task_count = @FinalizedTaskCount, expected_annotation_count = @JudgedAnnotationCount WHERE batch_id = @BatchId",
            new { context.Message.FinalizedTaskCount, context.Message.JudgedAnnotationCount, context.Message.BatchId });
        await work.SettleIfDoneAsync(context.Message.BatchId);
    }
}
