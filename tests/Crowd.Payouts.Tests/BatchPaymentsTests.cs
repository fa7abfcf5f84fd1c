using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Payouts.Consumers;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Tests;

/// <summary>
/// Many tasks of one batch paid at once, as AnnotationsJudged runs with concurrent deliveries: the batch's payments take
/// turns only on the escrow, at the end of each transaction; every reward and fee is paid once, the balances add up,
/// nothing deadlocks, and the batch settles exactly when its last task is paid.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class BatchPaymentsTests
{
    private const long RewardCents = 10, FeeCents = 2, MaxCostCents = 100_000;
    private const int Tasks = 48, AnnotationsPerTask = 3;
    private PayoutsDatabase _payouts = null!;
    private Guid _batchId;

    [SetUp]
    public async Task CreateFundedBatchAsync()
    {
        _payouts = await PayoutsDatabase.CreateAsync();
        _batchId = await _payouts.FundBatchAsync(MaxCostCents, FeeCents);
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _payouts.DisposeAsync();

    [Test]
    public async Task Pay_ManyTasksOfOneBatchAtOnceSomeDeliveredTwice_EveryRewardPaidOnceAndBalancesAddUp()
    {
        var judged = Judged();
        // Every fourth delivered twice: a redelivery racing its first delivery past the inbox (two instances, say).
        await PayConcurrentlyAsync(judged.Concat(judged.Where((_, i) => i % 4 == 0)));
        await _payouts.InOwnTransactionAsync(CompleteBatchAsync);

        await AssertPaidOnceAndSettledAsync();
    }

    [Test]
    public async Task Pay_BatchCompletedBeforeItsTasksArePaidConcurrently_TheLastPaymentSettles()
    {
        await _payouts.InOwnTransactionAsync(CompleteBatchAsync);
        await PayConcurrentlyAsync(Judged());

        await AssertPaidOnceAndSettledAsync();
    }

    private async Task AssertPaidOnceAndSettledAsync()
    {
        const long paid = Tasks * AnnotationsPerTask * (RewardCents + FeeCents);
        var batch = new { batchId = _batchId };
        Assert.Multiple(async () =>
        {
            Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM ledger_transactions WHERE kind = 'reward'"), Is.EqualTo(Tasks * AnnotationsPerTask));
            Assert.That(await _payouts.BalanceAsync(Account.PlatformFees), Is.EqualTo(Tasks * AnnotationsPerTask * FeeCents));
            Assert.That(await _payouts.ScalarAsync<long>("SELECT sum(balance_cents) FROM accounts WHERE kind = 'worker-payable'"),
                Is.EqualTo(Tasks * AnnotationsPerTask * RewardCents));
            Assert.That(await _payouts.ScalarAsync<int>("SELECT judged_task_count FROM batch_escrows WHERE batch_id = @batchId", batch), Is.EqualTo(Tasks));
            Assert.That(await _payouts.ScalarAsync<string>("SELECT status FROM batch_escrows WHERE batch_id = @batchId", batch), Is.EqualTo(Escrows.Settled));
            Assert.That(await _payouts.BalanceAsync(Account.Escrow(_batchId, "requester-1")), Is.Zero);
            Assert.That(await _payouts.BalanceAsync(Account.RequesterAvailable("requester-1")), Is.EqualTo(MaxCostCents - paid));
            Assert.That(await _payouts.ScalarAsync<long>("""
                SELECT count(*) FROM accounts a
                WHERE balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries e WHERE e.account_id = a.account_id)
                """), Is.Zero, "cached balances equal to their entries");
        });
    }

    private List<AnnotationsJudged> Judged() => Enumerable.Range(0, Tasks).Select(t => new AnnotationsJudged
    {
        TaskId = Guid.CreateVersion7(),
        BatchId = _batchId,
        Annotations = Enumerable.Range(0, AnnotationsPerTask).Select(a => new JudgedAnnotation
        {
            AnnotationId = Guid.CreateVersion7(), WorkerId = $"worker-{(t + a) % 5}", RewardCents = RewardCents, AgreesWithFinal = true,
        }).ToList(),
    }).ToList();

    /// <summary>Eight payments at a time, as eight concurrent deliveries of the consumer run them.</summary>
    private async Task PayConcurrentlyAsync(IEnumerable<AnnotationsJudged> deliveries)
    {
        using var slots = new SemaphoreSlim(8);
        await Task.WhenAll(deliveries.Select(async message =>
        {
            await slots.WaitAsync();
            try
            {
                await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, message));
            }
            finally
            {
                slots.Release();
            }
        }));
    }

    /// <summary>What BatchCompleted does: the batch will have <see cref="Tasks"/> judged tasks; settle if they are all paid.</summary>
    private async Task CompleteBatchAsync(UnitOfWork work)
    {
        await work.ExecuteAsync("UPDATE batch_escrows SET expected_task_count = @Tasks WHERE batch_id = @batchId", new { Tasks, batchId = _batchId });
        await work.SettleIfDoneAsync(_batchId);
    }
}
