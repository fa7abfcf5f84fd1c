using Crowd.Data;

namespace Crowd.Payouts.Data;

/// <summary>The cancels and drains payouts has heard of, in whichever order they came.</summary>
public static class Cancellations
{
    /// <summary>
    /// Records the cancel (<paramref name="cancelledAt"/>) or the drain (<paramref name="drainedAnnotationCount"/>) under
    /// the batch's lock, which BatchSubmitted takes too: either it sees this row and holds nothing, or this transaction
    /// waits for its escrow and can settle it.
    /// </summary>
    public static async Task RecordAsync(this UnitOfWork work, Guid batchId, DateTimeOffset? cancelledAt = null, int? drainedAnnotationCount = null)
    {
        await work.LockBatchAsync(batchId);
        await work.ExecuteAsync("""
            INSERT INTO batch_cancellations (batch_id, cancelled_at, drained_annotation_count, drained_at)
            VALUES (@batchId, @cancelledAt, @drainedAnnotationCount, CASE WHEN @drainedAnnotationCount::int IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (batch_id) DO UPDATE SET
                cancelled_at = coalesce(batch_cancellations.cancelled_at, excluded.cancelled_at),
                drained_annotation_count = coalesce(batch_cancellations.drained_annotation_count, excluded.drained_annotation_count),
                drained_at = coalesce(batch_cancellations.drained_at, excluded.drained_at)
            """, new { batchId, cancelledAt = cancelledAt?.UtcDateTime, drainedAnnotationCount });
    }

    /// <summary>Whether the batch was cancelled (either message has arrived), under the batch's lock.</summary>
    public static async Task<bool> IsCancelledAsync(this UnitOfWork work, Guid batchId)
    {
        await work.LockBatchAsync(batchId);
        return await work.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM batch_cancellations WHERE batch_id = @batchId)", new { batchId });
    }
}
