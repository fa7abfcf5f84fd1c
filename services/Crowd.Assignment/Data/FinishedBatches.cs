using Crowd.Data;
using Dapper;
using Npgsql;

namespace Crowd.Assignment.Data;

/// <summary>
/// Batches that take no more work (completed, or cancelled and drained), and the pruning of their pool rows once they have
/// been finished for <see cref="Options.PoolOptions.KeepFinished"/> (migration 0013 says why).
/// </summary>
public static class FinishedBatches
{
    /// <summary>Tasks deleted a statement, with their claims and annotations: short transactions beside the claims.</summary>
    private const int Chunk = 1_000;

    /// <summary>Notes that the batch is finished; a second word of it (a cancel drained, then completed, or a redelivery) changes nothing.</summary>
    public static Task RecordFinishedAsync(this UnitOfWork work, Guid batchId, DateTimeOffset finishedAt) =>
        work.ExecuteAsync(
            "INSERT INTO finished_batches (batch_id, finished_at) VALUES (@batchId, @finishedAt) ON CONFLICT (batch_id) DO NOTHING",
            new { batchId, finishedAt = finishedAt.UtcDateTime });

    /// <summary>
    /// Deletes the tasks, claims and annotations (and the cached reliability median) of every batch finished before
    /// <paramref name="keep"/> ago, a chunk of tasks a statement, then the batch's row; a batch with a task open or a claim
    /// still active (neither should be, long after its end) waits. Safe beside another instance doing the same: a row
    /// deleted twice is deleted once. Returns the batches and the tasks pruned.
    /// </summary>
    public static async Task<(int Batches, long Tasks)> PruneAsync(NpgsqlDataSource dataSource, TimeSpan keep, CancellationToken cancellationToken)
    {
        const string due = """
            SELECT f.batch_id FROM finished_batches f
            WHERE f.finished_at < now() - @keep
              AND NOT EXISTS (SELECT 1 FROM pool_tasks t WHERE t.batch_id = f.batch_id AND t.status = 'open')
              AND NOT EXISTS (SELECT 1 FROM pool_tasks t JOIN claims c USING (task_id) WHERE t.batch_id = f.batch_id AND c.status = 'active')
            ORDER BY f.finished_at LIMIT 100
            """;
        // One statement a chunk: the foreign keys (annotation → claim → task) are checked at its end, when all three are gone.
        const string pruneChunk = """
            WITH tasks AS (SELECT task_id FROM pool_tasks WHERE batch_id = @batchId LIMIT @Chunk),
                 claimed AS (SELECT claim_id FROM claims WHERE task_id IN (SELECT task_id FROM tasks)),
                 annotations_gone AS (DELETE FROM annotations WHERE claim_id IN (SELECT claim_id FROM claimed)),
                 claims_gone AS (DELETE FROM claims WHERE claim_id IN (SELECT claim_id FROM claimed))
            DELETE FROM pool_tasks WHERE task_id IN (SELECT task_id FROM tasks)
            """;
        const string forget = """
            DELETE FROM batch_reliability_medians WHERE batch_id = @batchId;
            DELETE FROM finished_batches WHERE batch_id = @batchId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var batches = (await connection.QueryAsync<Guid>(new CommandDefinition(due, new { keep }, cancellationToken: cancellationToken))).ToList();
        var tasks = 0L;
        foreach (var batchId in batches)
        {
            for (int deleted; (deleted = await connection.ExecuteAsync(new CommandDefinition(pruneChunk, new { batchId, Chunk }, cancellationToken: cancellationToken))) > 0;)
            {
                tasks += deleted;
            }

            await connection.ExecuteAsync(new CommandDefinition(forget, new { batchId }, cancellationToken: cancellationToken));
        }

        return (batches.Count, tasks);
    }
}
