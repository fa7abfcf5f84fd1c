using Crowd.Assignment.Data;
using Crowd.Contracts.Batches;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// Closes the cancelled batch's tasks to new claims; claims already open run until submitted, released or expired.
/// The batch is drained at once when none is open.
/// </summary>
public sealed class BatchCancelledConsumer(Database database) : InboxConsumer<BatchCancelled>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchCancelled> context)
    {
        var cancelled = context.Message;
        // TasksReleased takes the same lock: a chunk released beside the cancel either is closed here or sees the cancel.
        await work.LockBatchAsync(cancelled.BatchId);
        await work.ExecuteAsync("""
            INSERT INTO cancelled_batches (batch_id, cancelled_at) VALUES (@BatchId, @CancelledAt) ON CONFLICT DO NOTHING;
            UPDATE pool_tasks SET status = 'cancelled', open_slots = 0 WHERE batch_id = @BatchId AND status = 'open';
            """, new { cancelled.BatchId, CancelledAt = cancelled.CancelledAt.UtcDateTime });
        await work.PublishDrainedAsync(cancelled.BatchId);
    }
}
