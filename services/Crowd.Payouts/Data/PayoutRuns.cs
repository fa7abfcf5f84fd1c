using Crowd.Contracts.Payouts;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Payouts.Domain;
using Crowd.ServiceDefaults.Auth;

namespace Crowd.Payouts.Data;

public sealed record PayoutLine(string WorkerId, long AmountCents);

/// <summary>A payout run as the API shows it, its lines ordered by worker.</summary>
public sealed record PayoutRun(Guid RunId, IReadOnlyList<PayoutLine> Lines, long TotalCents, long MinimumCents, DateTime CreatedAt);

public static class PayoutRuns
{
    private const long RunLockKey = 0x5061796f7574; // "Payout"

    /// <summary>
    /// Makes payout runs of this database take turns until the caller's transaction ends. A run that waited here then
    /// sees the balances, and the Idempotency-Key, that the run before it committed: a retry of a run still in flight
    /// replays it instead of paying again.
    /// </summary>
    public static Task LockPayoutRunsAsync(this UnitOfWork work) =>
        work.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = RunLockKey });

    /// <summary>
    /// Pays every worker whose payable balance is at least <paramref name="minimumCents"/> that whole balance: one
    /// ledger transaction (kind <c>payout</c>, key <c>payout:{runId}:{workerId}</c>) and one PayoutIssued per line, and the
    /// run's rows, all in the caller's unit of work.
    /// </summary>
    public static async Task<PayoutRun> IssuePayoutRunAsync(this UnitOfWork work, long minimumCents, string createdBy)
    {
        // Locked in account order, the order Ledger.PostAsync locks in, so a reward landing meanwhile waits instead of
        // deadlocking; what is read here is exactly what leaves, because nothing else can move these balances until commit.
        const string lockPayable = """
            SELECT owner_id AS worker_id, balance_cents AS amount_cents
            FROM accounts
            WHERE kind = @kind AND balance_cents >= @minimumCents
            ORDER BY account_id
            FOR NO KEY UPDATE
            """;
        var runId = Guid.CreateVersion7();
        var lines = (await work.QueryAsync<PayoutLine>(lockPayable, new { kind = Account.WorkerPayableKind, minimumCents }))
            .OrderBy(l => l.WorkerId, StringComparer.Ordinal)
            .ToList();
        foreach (var line in lines)
        {
            await work.PostAsync(Movement.Transfer(
                $"payout:{runId}:{line.WorkerId}", "payout", Account.WorkerPayable(line.WorkerId), Account.External, line.AmountCents,
                description: $"payout run {runId}", actor: new AuditActor(createdBy, Roles.Admin)));
            work.Publish(new PayoutIssued { RunId = runId, WorkerId = line.WorkerId, AmountCents = line.AmountCents });
        }

        const string record = """
            WITH run AS (
                INSERT INTO payout_runs (run_id, minimum_cents, total_cents, created_by)
                VALUES (@runId, @minimumCents, @totalCents, @createdBy)
                RETURNING created_at
            ), lines AS (
                INSERT INTO payout_lines (run_id, worker_id, amount_cents)
                SELECT @runId, worker_id, amount_cents FROM unnest(@workerIds, @amounts) AS l(worker_id, amount_cents)
            )
            SELECT created_at FROM run
            """;
        var totalCents = lines.Sum(l => l.AmountCents);
        var createdAt = await work.QuerySingleAsync<DateTime>(record, new
        {
            runId, minimumCents, totalCents, createdBy,
            workerIds = lines.Select(l => l.WorkerId).ToArray(),
            amounts = lines.Select(l => l.AmountCents).ToArray(),
        });
        return new PayoutRun(runId, lines, totalCents, minimumCents, createdAt);
    }

    public static async Task<PayoutRun?> FindPayoutRunAsync(this UnitOfWork work, Guid runId)
    {
        const string run = "SELECT total_cents, minimum_cents, created_at FROM payout_runs WHERE run_id = @runId";
        const string lines = "SELECT worker_id, amount_cents FROM payout_lines WHERE run_id = @runId ORDER BY worker_id COLLATE \"C\"";
        if (await work.QuerySingleOrDefaultAsync<(long TotalCents, long MinimumCents, DateTime CreatedAt)?>(run, new { runId }) is not { } found)
        {
            return null;
        }

        var paid = (await work.QueryAsync<PayoutLine>(lines, new { runId })).ToList();
        return new PayoutRun(runId, paid, found.TotalCents, found.MinimumCents, found.CreatedAt);
    }
}
