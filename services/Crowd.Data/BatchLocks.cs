namespace Crowd.Data;

/// <summary>
/// A transaction-scoped advisory lock on one batch, for facts that arrive on independent queues and must not pass each
/// other unseen: two transactions that each insert a row the other would need to see (a cancellation and a task, say)
/// cannot both commit without either seeing the other once both take this lock first. Shared holders do not wait for
/// each other; an exclusive holder waits for all of them. Take it before any row lock, so that no cycle can form.
/// </summary>
public static class BatchLocks
{
    public static Task LockBatchAsync(this UnitOfWork work, Guid batchId, bool shared = false) =>
        work.ExecuteScalarAsync<object>(
            shared ? "SELECT pg_advisory_xact_lock_shared(hashtextextended(@key, 0))" : "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = $"batch:{batchId}" });
}
