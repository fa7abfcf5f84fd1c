using Crowd.Data;

namespace Crowd.Assignment.Data;

/// <summary>
/// Hard tasks and the batch's stronger workers. The claim statement (<see cref="ClaimStore"/>) offers a task whose
/// <c>strong_only_until</c> lies ahead only to a worker whose reliability is at or above its <c>strong_floor</c>.
/// </summary>
public static class HardTasks
{
    /// <summary>
    /// The median reliability of the workers who have claimed the batch's tasks and have one (consensus has judged their
    /// work); null when none has. Reused while younger than <paramref name="maxAge"/>: it moves slowly, and computing it
    /// reads every claim of the batch.
    /// </summary>
    public static async Task<double?> MedianReliabilityAsync(this UnitOfWork work, Guid batchId, TimeSpan maxAge)
    {
        const string sql = """
            WITH cached AS (
                SELECT median FROM batch_reliability_medians WHERE batch_id = @batchId AND computed_at > now() - @maxAge
            ), computed AS (
                INSERT INTO batch_reliability_medians (batch_id, median, computed_at)
                SELECT @batchId,
                       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w.reliability)
                        FROM workers w
                        WHERE w.reliability IS NOT NULL
                          AND w.worker_id IN (SELECT c.worker_id FROM pool_tasks t JOIN claims c ON c.task_id = t.task_id WHERE t.batch_id = @batchId)),
                       now()
                WHERE NOT EXISTS (SELECT 1 FROM cached)
                ON CONFLICT (batch_id) DO UPDATE SET median = EXCLUDED.median, computed_at = EXCLUDED.computed_at
                RETURNING median
            )
            SELECT median FROM cached UNION ALL SELECT median FROM computed
            """;
        return await work.QuerySingleAsync<double?>(sql, new { batchId, maxAge });
    }
}
