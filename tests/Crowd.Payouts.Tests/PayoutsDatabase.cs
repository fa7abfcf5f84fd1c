using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Payouts.Consumers;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;
using Crowd.Testing;

namespace Crowd.Payouts.Tests;

/// <summary>A database of payouts' own schema (its real migrations) on the real PostgreSQL, dropped when disposed.</summary>
public sealed class PayoutsDatabase : IAsyncDisposable
{
    private readonly ServiceDatabase _database;

    private PayoutsDatabase(ServiceDatabase database) => _database = database;

    public Database Database => _database.Database;

    public static async Task<PayoutsDatabase> CreateAsync() =>
        new(await ServiceDatabase.CreateAsync("payouts", typeof(TasksJudgedConsumer).Assembly));

    /// <summary>A requester deposits enough and submits a batch: its escrow is held, as BatchSubmitted does it.</summary>
    public async Task<Guid> FundBatchAsync(long maxCostCents, long feeCentsPerAnnotation = 0, long bonusCents = 0, long feeCentsPerBonus = 0)
    {
        var batchId = Guid.CreateVersion7();
        await using var work = await Database.BeginAsync();
        await work.PostAsync(Movement.Transfer($"deposit:{batchId}", "deposit", Account.External, Account.RequesterAvailable("requester-1"), maxCostCents));
        await BatchSubmittedConsumer.HoldAsync(work, new BatchSubmitted
        {
            BatchId = batchId, RequesterId = "requester-1", MaxCostCents = maxCostCents, FeeCentsPerAnnotation = feeCentsPerAnnotation, TaskCount = 1_000,
            SubmittedAt = DateTimeOffset.UtcNow, BonusCents = bonusCents, FeeCentsPerBonus = feeCentsPerBonus,
        });
        await work.CommitAsync();
        return batchId;
    }

    public Task<long> BalanceAsync(Account account) =>
        ScalarAsync<long>("SELECT coalesce((SELECT balance_cents FROM accounts WHERE account_id = @Id), 0)", new { account.Id });

    /// <summary>Runs <paramref name="handle"/> in a unit of work of its own and commits it, as a consumer's delivery does.</summary>
    public async Task InOwnTransactionAsync(Func<UnitOfWork, Task> handle)
    {
        await using var work = await Database.BeginAsync();
        await handle(work);
        await work.CommitAsync();
    }

    public Task<T> ScalarAsync<T>(string sql, object? parameters = null) => _database.ScalarAsync<T>(sql, parameters);

    /// <summary>Whether the backend <paramref name="pid"/> is waiting for a lock another transaction holds.</summary>
    public Task<bool> IsWaitingForLockAsync(int pid) =>
        ScalarAsync<bool>("SELECT coalesce((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = @pid), false)", new { pid });

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
