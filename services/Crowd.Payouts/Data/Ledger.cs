using Crowd.Data;
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
        if (movement.Entries.Sum(e => e.AmountCents) != 0 || movement.Entries.Any(e => e.AmountCents == 0))
        {
            throw new InvalidOperationException($"Movement {movement.IdempotencyKey} does not balance or has an empty leg.");
        }

        const string claimKey = """
            INSERT INTO ledger_transactions (transaction_id, idempotency_key, kind, batch_id, annotation_id, description)
            VALUES (@transactionId, @IdempotencyKey, @Kind, @BatchId, @AnnotationId, @Description)
            ON CONFLICT (idempotency_key) DO NOTHING
            """;
        var transactionId = Guid.CreateVersion7();
        if (await work.ExecuteAsync(claimKey, new { transactionId, movement.IdempotencyKey, movement.Kind, movement.BatchId, movement.AnnotationId, movement.Description }) == 0)
        {
            return false;
        }

        // Accounts are opened on first use; balances move with their entries, in account order to avoid deadlocks.
        const string post = """
            INSERT INTO accounts (account_id, kind, owner_id)
            SELECT * FROM unnest(@ids, @kinds, @owners)
            ON CONFLICT (account_id) DO NOTHING;

            INSERT INTO ledger_entries (transaction_id, account_id, amount_cents)
            SELECT @transactionId, account_id, amount FROM unnest(@ids, @amounts) AS e(account_id, amount);

            SELECT 1 FROM accounts WHERE account_id = ANY(@ids) ORDER BY account_id FOR UPDATE;

            UPDATE accounts a SET balance_cents = a.balance_cents + e.amount
            FROM (SELECT account_id, sum(amount) AS amount FROM unnest(@ids, @amounts) AS x(account_id, amount) GROUP BY account_id) e
            WHERE a.account_id = e.account_id;
            """;
        var entries = movement.Entries.OrderBy(e => e.Account.Id, StringComparer.Ordinal).ToArray();
        await work.ExecuteAsync(post, new
        {
            transactionId,
            ids = entries.Select(e => e.Account.Id).ToArray(),
            kinds = entries.Select(e => e.Account.Kind).ToArray(),
            owners = entries.Select(e => e.Account.OwnerId).ToArray(),
            amounts = entries.Select(e => e.AmountCents).ToArray(),
        });
        work.AuditMovement(transactionId, movement, entries);
        return true;
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
        work.Audit(
            movement.Actor ?? AuditActor.System, $"money.{movement.Kind}", subjectType, subjectId,
            $"{movement.IdempotencyKey}: {legs}{(movement.Description is null ? "" : $" ({movement.Description})")}");
    }

    public static async Task<long> BalanceAsync(this UnitOfWork work, Account account, bool forUpdate = false) =>
        await work.ExecuteScalarAsync<long?>(
            $"SELECT balance_cents FROM accounts WHERE account_id = @Id {(forUpdate ? "FOR UPDATE" : "")}", new { account.Id }) ?? 0;
}
