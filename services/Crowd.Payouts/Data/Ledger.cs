using Crowd.Data;
using Crowd.Data.Observability;
using Crowd.Data.Audit;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Data;

public static class Ledger
{
    /// <summary>
    /// Posts a movement once: a second post with the same idempotency key does nothing and returns false.
    /// Refuses an unbalanced movement; the database refuses one that would overdraw an account.
    /// </summary>
    public static async Task<bool> PostAsync(this UnitOfWork work, Movement movement)
    {
        var recorded = await work.RecordAsync([movement]);
        await work.ApplyBalancesAsync(recorded);
        return recorded.Count == 1;
    }

    /// <summary>
    /// The first half of posting: records the movements not posted before (idempotency key claimed, accounts opened,
    /// entries written, audited) without touching any balance, so without locking any account: a consumer records
    /// first, takes its hot locks (an escrow, the platform's fee account) last, and holds them only for the balance
    /// updates and its commit. Returns the movements recorded now; <see cref="ApplyBalancesAsync"/> must follow.
    /// </summary>
    public static async Task<IReadOnlyList<Movement>> RecordAsync(this UnitOfWork work, IReadOnlyList<Movement> movements)
    {
        foreach (var movement in movements)
        {
            if (movement.Entries.Sum(e => e.AmountCents) != 0 || movement.Entries.Any(e => e.AmountCents == 0))
            {
                throw new InvalidOperationException($"Movement {movement.IdempotencyKey} does not balance or has an empty leg.");
            }
        }

        var transactionIds = movements.Select(_ => Guid.CreateVersion7()).ToArray();
        const string claimKeys = """
            INSERT INTO ledger_transactions (transaction_id, idempotency_key, kind, batch_id, annotation_id, description)
            SELECT * FROM unnest(@transactionIds, @keys, @kinds, @batchIds, @annotationIds, @descriptions)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING idempotency_key
            """;
        var claimed = (await work.QueryAsync<string>(claimKeys, new
        {
            transactionIds,
            keys = movements.Select(m => m.IdempotencyKey).ToArray(),
            kinds = movements.Select(m => m.Kind).ToArray(),
            batchIds = movements.Select(m => m.BatchId).ToArray(),
            annotationIds = movements.Select(m => m.AnnotationId).ToArray(),
            descriptions = movements.Select(m => m.Description).ToArray(),
        })).ToHashSet(StringComparer.Ordinal);
        var fresh = movements.Select((m, i) => (Movement: m, TransactionId: transactionIds[i])).Where(p => claimed.Contains(p.Movement.IdempotencyKey)).ToList();
        if (fresh.Count == 0)
        {
            return [];
        }

        // Accounts are opened on first use, all of them in account order, so two first uses cannot deadlock. Only those not
        // there yet are inserted: ON CONFLICT alone would, for an account that exists, wait for whichever transaction is
        // moving its balance (the platform's fee account, a batch's escrow) to commit, taking the hot rows' turn first
        // instead of last. Two first uses at once still meet in the conflict clause.
        var accounts = fresh.SelectMany(p => p.Movement.Entries).Select(e => e.Account).DistinctBy(a => a.Id).OrderBy(a => a.Id, StringComparer.Ordinal).ToArray();
        var entries = fresh.SelectMany(p => p.Movement.Entries.Select(e => (p.TransactionId, e.Account.Id, e.AmountCents))).ToArray();
        const string record = """
            INSERT INTO accounts (account_id, kind, owner_id)
            SELECT n.* FROM unnest(@ids, @accountKinds, @owners) AS n(account_id, kind, owner_id)
            WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = n.account_id)
            ON CONFLICT (account_id) DO NOTHING;

            INSERT INTO ledger_entries (transaction_id, account_id, amount_cents)
            SELECT * FROM unnest(@entryTransactions, @entryAccounts, @entryAmounts);
            """;
        await work.ExecuteAsync(record, new
        {
            ids = accounts.Select(a => a.Id).ToArray(),
            accountKinds = accounts.Select(a => a.Kind).ToArray(),
            owners = accounts.Select(a => a.OwnerId).ToArray(),
            entryTransactions = entries.Select(e => e.TransactionId).ToArray(),
            entryAccounts = entries.Select(e => e.Id).ToArray(),
            entryAmounts = entries.Select(e => e.AmountCents).ToArray(),
        });
        foreach (var (movement, transactionId) in fresh)
        {
            work.AuditMovement(transactionId, movement, movement.Entries.OrderBy(e => e.Account.Id, StringComparer.Ordinal));
        }

        return fresh.Select(p => p.Movement).ToList();
    }

    /// <summary>
    /// The second half of posting: moves the balances of the <paramref name="recorded"/> movements, the accounts locked
    /// in account order (no deadlock); an account that would go negative (other than the external one) fails the
    /// statement, and with it the transaction.
    /// </summary>
    public static async Task ApplyBalancesAsync(this UnitOfWork work, IReadOnlyList<Movement> recorded)
    {
        var moves = recorded.SelectMany(m => m.Entries).GroupBy(e => e.Account.Id, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Amount: g.Sum(e => e.AmountCents))).Where(m => m.Amount != 0).OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
        if (moves.Length == 0)
        {
            return;
        }

        // FOR NO KEY UPDATE, the lock the balance UPDATE takes anyway: FOR UPDATE would also wait for (and be waited for
        // by) the key-share locks that other transactions' ledger entries take on these accounts through their foreign
        // key, which, once those transactions wait for this one's escrow, is a deadlock.
        const string apply = """
            SELECT 1 FROM accounts WHERE account_id = ANY(@ids) ORDER BY account_id FOR NO KEY UPDATE;

            UPDATE accounts a SET balance_cents = a.balance_cents + e.amount
            FROM unnest(@ids, @amounts) AS e(account_id, amount)
            WHERE a.account_id = e.account_id;
            """;
        await work.ExecuteAsync(apply, new { ids = moves.Select(m => m.Id).ToArray(), amounts = moves.Select(m => m.Amount).ToArray() });
    }

    /// <summary>Every money movement leaves a trace: what moved, between which accounts, because of what.</summary>
    private static void AuditMovement(this UnitOfWork work, Guid transactionId, Movement movement, IEnumerable<Entry> entries)
    {
        var (subjectType, subjectId) = movement switch
        {
            { AnnotationId: { } annotation } => ("annotation", annotation.ToString()),
            { BatchId: { } batch } => ("batch", batch.ToString()),
            _ => ("ledger-transaction", transactionId.ToString()),
        };
        var legs = string.Join(", ", entries.Select(e => $"{e.Account.Id} {e.AmountCents:+0;-0}"));
        work.AfterCommit(() => CrowdMetrics.LedgerPostings.Add(1, new KeyValuePair<string, object?>("kind", movement.Kind)));
        work.Audit(
            movement.Actor ?? AuditActor.System, $"money.{movement.Kind}", subjectType, subjectId,
            $"{movement.IdempotencyKey}: {legs}{(movement.Description is null ? "" : $" ({movement.Description})")}");
    }

    public static async Task<long> BalanceAsync(this UnitOfWork work, Account account, bool forUpdate = false) =>
        await work.ExecuteScalarAsync<long?>(
            $"SELECT balance_cents FROM accounts WHERE account_id = @Id {(forUpdate ? "FOR NO KEY UPDATE" : "")}", new { account.Id }) ?? 0;
}
