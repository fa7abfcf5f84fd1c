using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.ServiceDefaults.Auth;

namespace Crowd.Payouts.Api;

/// <summary>
/// The ledger recomputed from its entries (<see cref="Balanced"/> covers the first four), and whether what workers are shown
/// agrees with it: <see cref="PaidButPending"/> counts annotations already paid that earnings still show as pending.
/// </summary>
public sealed record LedgerCheck(
    bool Balanced, long SumCents, IReadOnlyList<string> NegativeAccounts, IReadOnlyList<Guid> UnbalancedTransactions,
    IReadOnlyList<string> BalanceMismatches, long PaidButPending);

public static class LedgerApi
{
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/ledger", Roles.Admin).WithTags("Ledger").MapGet("/check", CheckAsync);
        return app;
    }

    /// <summary>
    /// Recomputes the ledger from its entries: all entries sum to zero, every transaction balances, no account but
    /// the external one is negative, and every cached balance equals the sum of its entries; and no paid annotation is
    /// still shown as pending.
    /// </summary>
    private static async Task<LedgerCheck> CheckAsync(Database database)
    {
        const string sql = """
            SELECT coalesce(sum(amount_cents), 0)::bigint FROM ledger_entries;

            SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_cents) <> 0 LIMIT 100;

            SELECT a.account_id FROM accounts a
            LEFT JOIN (SELECT account_id, sum(amount_cents) AS total FROM ledger_entries GROUP BY account_id) e USING (account_id)
            WHERE a.kind <> 'external' AND coalesce(e.total, 0) < 0
            LIMIT 100;

            SELECT a.account_id FROM accounts a
            LEFT JOIN (SELECT account_id, sum(amount_cents) AS total FROM ledger_entries GROUP BY account_id) e USING (account_id)
            WHERE a.balance_cents <> coalesce(e.total, 0)
            LIMIT 100;

            """ + AnnotationEarnings.PaidButPendingSql;
        await using var work = await database.BeginAsync();
        // One consistent snapshot for all five questions.
        await work.ExecuteAsync("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        await using var results = await Dapper.SqlMapper.QueryMultipleAsync(work.Connection, sql, transaction: work.Transaction);
        var sum = await results.ReadSingleAsync<long>();
        var unbalanced = (await results.ReadAsync<Guid>()).ToList();
        var negative = (await results.ReadAsync<string>()).ToList();
        var mismatched = (await results.ReadAsync<string>()).ToList();
        var paidButPending = await results.ReadSingleAsync<long>();
        return new LedgerCheck(
            sum == 0 && unbalanced.Count == 0 && negative.Count == 0 && mismatched.Count == 0, sum, negative, unbalanced, mismatched, paidButPending);
    }
}
