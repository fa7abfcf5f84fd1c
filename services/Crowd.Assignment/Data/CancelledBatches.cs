using Crowd.Contracts.Batches;
using Crowd.Data;

namespace Crowd.Assignment.Data;

public static class CancelledBatches
{
    /// <summary>
    /// After a claim ends (submitted or released): its batch's drain, looked for only when the claim's read saw the batch
    /// cancelled. A cancel that commits after that read is found by the lease sweeper's next look.
    /// </summary>
    public static Task PublishDrainedAsync(this UnitOfWork work, ClaimRow endedClaim) =>
        endedClaim.BatchCancelled ? work.PublishDrainedAsync(endedClaim.BatchId) : Task.CompletedTask;

    /// <summary>
    /// Publishes BatchDrained for each cancelled batch (only <paramref name="batchId"/>'s, when given) that has no active
    /// claim left, once: the row lock on <c>cancelled_batches</c> makes concurrent callers agree on who publishes.
    /// Its callers (the cancel, a submission or a release in a cancelled batch, the lease sweeper) may miss a drain that
    /// commits beside them; the sweeper, which looks at every batch on each tick, finds it on the next.
    /// </summary>
    public static async Task PublishDrainedAsync(this UnitOfWork work, Guid? batchId = null)
    {
        // Once no claim is active none can become so (the tasks are cancelled), so the count of annotations is final.
        // A submission asks about its own batch by key (an "@batchId IS NULL OR ..." filter would make one prepared plan
        // scan every cancelled batch for both callers).
        // A drained batch is finished: the pool keeps its rows for a while, then prunes them (FinishedBatches).
        var sql = $"""
            WITH drained AS (
                UPDATE cancelled_batches b SET drained_at = now(), annotation_count = (
                    SELECT count(*)::int FROM annotations a JOIN pool_tasks t USING (task_id) WHERE t.batch_id = b.batch_id)
                WHERE b.drained_at IS NULL {(batchId is null ? "" : "AND b.batch_id = @batchId")}
                  AND NOT EXISTS (
                      SELECT 1 FROM claims c JOIN pool_tasks t USING (task_id) WHERE t.batch_id = b.batch_id AND c.status = 'active')
                RETURNING b.batch_id, b.annotation_count, b.drained_at
            ), finished AS (
                INSERT INTO finished_batches (batch_id, finished_at) SELECT batch_id, drained_at FROM drained ON CONFLICT (batch_id) DO NOTHING
            )
            SELECT batch_id, annotation_count, drained_at FROM drained
            """;
        foreach (var drained in await work.QueryAsync<(Guid BatchId, int AnnotationCount, DateTime DrainedAt)>(sql, new { batchId }))
        {
            work.Publish(new BatchDrained
            {
                BatchId = drained.BatchId,
                AnnotationCount = drained.AnnotationCount,
                DrainedAt = new DateTimeOffset(drained.DrainedAt, TimeSpan.Zero),
            });
        }
    }
}
