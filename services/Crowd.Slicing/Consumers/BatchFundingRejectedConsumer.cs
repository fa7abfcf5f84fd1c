using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using MassTransit;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Consumers;

/// <summary>The requester could not cover the batch: it becomes <c>rejected</c> with the reason, and no task is released.</summary>
public sealed class BatchFundingRejectedConsumer(Database database) : InboxConsumer<BatchFundingRejected>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchFundingRejected> context)
    {
        const string reject = """
            UPDATE batches SET status = @rejected, rejection_reason = @reason
            WHERE batch_id = @batchId AND status = @pending
            """;
        var changed = await work.ExecuteAsync(reject, new
        {
            rejected = BatchStatus.Rejected, context.Message.Reason, context.Message.BatchId, pending = BatchStatus.PendingFunding,
        });
        if (changed == 1)
        {
            work.AuditStatus(context.Message.BatchId, BatchStatus.Rejected, AuditActor.System, context.Message.Reason);
            await work.RecordWebhookAsync(context.Message.BatchId, WebhookEvents.BatchRejected, new { status = BatchStatus.Rejected, reason = context.Message.Reason });
        }
    }
}
