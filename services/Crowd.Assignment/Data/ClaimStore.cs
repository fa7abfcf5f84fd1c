using System.Text.Json;
using Crowd.Assignment.Api;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Dapper;

namespace Crowd.Assignment.Data;

public sealed record ClaimedTask(
    Guid ClaimId, Guid TaskId, Guid BatchId, string LabelSchema, string? GuidelinesUrl, string ContentUri, string? Slice, string? Tile,
    long RewardCents, DateTime LeaseExpiresAt)
{
    public ClaimView ToView()
    {
        var content = ClaimStore.ReadContent(ContentUri, Slice, Tile);
        return new(
            ClaimId, TaskId, BatchId, JsonDocument.Parse(LabelSchema).RootElement, GuidelinesUrl,
            new ClaimContent(content.ContentUri, content.Slice, content.Tile), RewardCents, LeaseExpiresAt);
    }
}

public sealed record ClaimRow(
    Guid ClaimId, Guid TaskId, Guid BatchId, string WorkerId, string Status, DateTime LeaseExpiresAt, string LabelSchema, string Policy,
    long RewardCents, string ContentUri, string? Slice, string? Tile)
{
    public TaskContent Content => ClaimStore.ReadContent(ContentUri, Slice, Tile);
}

public static class ClaimStore
{
    /// <summary>
    /// The claim in one statement: the best open task this active worker is qualified for, has never held, and may still
    /// be given of its item (the re-identification guard), skipping rows other claimers have locked, its slot taken and the
    /// lease written. Null when none fits. A lock on the worker, taken first in the same command and held until the unit
    /// of work ends, makes the worker's claims take turns.
    /// </summary>
    public static async Task<ClaimedTask?> ClaimNextAsync(this UnitOfWork work, string workerId, TimeSpan lease)
    {
        // The guard counts the worker's claims on the candidate's item, and in READ COMMITTED two concurrent claims of one
        // worker would each miss the other's uncommitted claim and could together pass the limit. So the command first takes
        // a transaction-scoped advisory lock on the worker: that worker's claims queue behind one another until each commits.
        // Different workers never wait for each other, a worker's claims are rate-limited anyway, and nothing else takes this
        // lock, so waiting for it (before any row lock) cannot close a cycle. It must be a statement of its own, before the
        // claim statement: READ COMMITTED takes a snapshot per statement, so only a statement that starts after the lock is
        // granted sees the claim committed by the previous holder. Sent in one command, the two still cost one round trip.
        // A per-(worker, item) counter row, upserted by the claim statement with a conditional update, would serialise them
        // too, but a refused upsert would leave the statement with no task even where another item's task fits.
        // Every claim counts, released and expired ones too: the worker has seen that content.
        const string sql = """
            SELECT pg_advisory_xact_lock(hashtextextended(@workerLock, 0));
            WITH worker AS (
                SELECT worker_id, qualifications FROM workers WHERE worker_id = @workerId AND status = 'active'
            ), candidate AS (
                SELECT t.task_id
                FROM pool_tasks t, worker w
                WHERE t.status = 'open' AND t.open_slots > 0
                  AND t.required_qualifications <@ w.qualifications
                  AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.worker_id = w.worker_id AND c.task_id = t.task_id)
                  AND (t.item_share_limit IS NULL
                       OR (SELECT count(*) FROM claims c WHERE c.worker_id = w.worker_id AND c.item_id = t.item_id) < t.item_share_limit)
                ORDER BY t.priority DESC, t.released_at, t.task_id
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
            ), taken AS (
                UPDATE pool_tasks t SET open_slots = t.open_slots - 1
                FROM candidate WHERE t.task_id = candidate.task_id
                RETURNING t.*
            ), claim AS (
                INSERT INTO claims (claim_id, task_id, worker_id, item_id, status, lease_expires_at)
                SELECT @claimId, task_id, @workerId, item_id, 'active', now() + @lease FROM taken
                RETURNING claim_id, task_id, lease_expires_at
            )
            SELECT claim.claim_id, taken.task_id, taken.batch_id, taken.label_schema::text AS label_schema, taken.guidelines_url,
                   taken.content_uri, taken.slice::text AS slice, taken.tile::text AS tile, taken.reward_cents, claim.lease_expires_at
            FROM claim JOIN taken USING (task_id)
            """;
        var command = new CommandDefinition(
            sql, new { workerLock = $"worker:{workerId}", workerId, claimId = Guid.CreateVersion7(), lease }, work.Transaction);
        await using var results = await work.Connection.QueryMultipleAsync(command);
        await results.ReadAsync(); // the lock's one row
        return await results.ReadSingleOrDefaultAsync<ClaimedTask>();
    }

    /// <summary>A pool task's content reference from its stored columns.</summary>
    public static TaskContent ReadContent(string contentUri, string? slice, string? tile) => new()
    {
        ContentUri = contentUri,
        Slice = slice is null ? null : JsonSerializer.Deserialize<SliceRange>(slice, JsonSerializerOptions.Web),
        Tile = tile is null ? null : JsonSerializer.Deserialize<TileRegion>(tile, JsonSerializerOptions.Web),
    };

    /// <summary>The caller's claim with what submitting needs; another worker's claim is not found.</summary>
    public static Task<ClaimRow?> FindClaimAsync(this UnitOfWork work, Guid claimId, string workerId, bool forUpdate) =>
        work.QuerySingleOrDefaultAsync<ClaimRow>($"""
            SELECT c.claim_id, c.task_id, t.batch_id, c.worker_id, c.status, c.lease_expires_at, t.label_schema::text AS label_schema,
                   t.policy::text AS policy, t.reward_cents, t.content_uri, t.slice::text AS slice, t.tile::text AS tile
            FROM claims c JOIN pool_tasks t USING (task_id)
            WHERE c.claim_id = @claimId AND c.worker_id = @workerId
            {(forUpdate ? "FOR UPDATE OF c" : "")}
            """, new { claimId, workerId });
}
