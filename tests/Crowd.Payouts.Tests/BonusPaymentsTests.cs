using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Payouts.Consumers;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Tests;

/// <summary>
/// A batch with a bonus (API.md <c>bonus</c>): each annotation that agrees with its task's final label is paid the bonus
/// from the escrow, with the platform fee, on top of its reward; once, whatever is delivered again; never taken back.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class BonusPaymentsTests
{
    private const long RewardCents = 40, FeeCents = 4, BonusCents = 20, BonusFeeCents = 2, MaxCostCents = 10_000;
    private PayoutsDatabase _payouts = null!;
    private Guid _batchId;

    [SetUp]
    public async Task CreateFundedBatchAsync()
    {
        _payouts = await PayoutsDatabase.CreateAsync();
        _batchId = await _payouts.FundBatchAsync(MaxCostCents, FeeCents, BonusCents, BonusFeeCents);
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _payouts.DisposeAsync();

    [Test]
    public async Task Pay_TwoAgreeOneDisagrees_AgreeingPaidRewardAndBonusDisagreeingRewardOnly()
    {
        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, Judged(true, true, false)));

        Assert.Multiple(async () =>
        {
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-0")), Is.EqualTo(RewardCents + BonusCents));
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-1")), Is.EqualTo(RewardCents + BonusCents));
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-2")), Is.EqualTo(RewardCents));
            Assert.That(await _payouts.BalanceAsync(Account.PlatformFees), Is.EqualTo(3 * FeeCents + 2 * BonusFeeCents));
            Assert.That(await _payouts.BalanceAsync(Account.Escrow(_batchId, "requester-1")),
                Is.EqualTo(MaxCostCents - 3 * (RewardCents + FeeCents) - 2 * (BonusCents + BonusFeeCents)));
            Assert.That(await _payouts.ScalarAsync<long>(
                "SELECT count(*) FROM ledger_transactions WHERE kind = 'bonus' AND idempotency_key = 'bonus:' || annotation_id::text"), Is.EqualTo(2));
            Assert.That(await _payouts.ScalarAsync<long>(
                "SELECT count(*) FROM audit_journal WHERE action = 'money.bonus'"),
                Is.EqualTo(2), "one audit event per bonus paid");
        });
    }

    [Test]
    public async Task Pay_RedeliveredAndThenJudgedAgainstAnotherLabel_BonusPaidOnceAndNeverTakenBack()
    {
        var first = Judged(true, true, false);
        // A revision of the final label: the same annotations, now the third agrees and the first two do not.
        var revised = first with
        {
            Annotations = [.. first.Annotations.Select(a => a with { AgreesWithFinal = a.WorkerId == "worker-2" })],
        };

        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, first));
        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, first));
        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, revised));

        Assert.Multiple(async () =>
        {
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-0")), Is.EqualTo(RewardCents + BonusCents), "paid once, not taken back");
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-1")), Is.EqualTo(RewardCents + BonusCents), "paid once, not taken back");
            Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-2")), Is.EqualTo(RewardCents + BonusCents), "agrees with the revised label");
            Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM ledger_transactions WHERE kind = 'bonus'"), Is.EqualTo(3));
            Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM ledger_transactions WHERE kind = 'reward'"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Pay_BatchWithoutBonus_PaysRewardsOnly()
    {
        var plain = await _payouts.FundBatchAsync(MaxCostCents, FeeCents);
        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, Judged(true, true, false) with { BatchId = plain }));

        Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM ledger_transactions WHERE kind = 'bonus'"), Is.Zero);
        Assert.That(await _payouts.BalanceAsync(Account.WorkerPayable("worker-0")), Is.EqualTo(RewardCents));
    }

    [Test]
    public async Task Settle_AfterBonusesPaid_EscrowReturnsTheRestAndTheLedgerBalances()
    {
        await _payouts.InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, Judged(true, false, true)));
        await _payouts.InOwnTransactionAsync(async work =>
        {
            await work.ExecuteAsync("UPDATE batch_escrows SET expected_task_count = 1 WHERE batch_id = @batchId", new { batchId = _batchId });
            await work.SettleIfDoneAsync(_batchId);
        });

        const long spent = 3 * (RewardCents + FeeCents) + 2 * (BonusCents + BonusFeeCents);
        Assert.Multiple(async () =>
        {
            Assert.That(await _payouts.BalanceAsync(Account.Escrow(_batchId, "requester-1")), Is.Zero);
            Assert.That(await _payouts.BalanceAsync(Account.RequesterAvailable("requester-1")), Is.EqualTo(MaxCostCents - spent));
            Assert.That(await _payouts.ScalarAsync<long>("SELECT coalesce(sum(amount_cents), 0)::bigint FROM ledger_entries"), Is.Zero);
            Assert.That(await _payouts.ScalarAsync<long>(AnnotationEarnings.PaidButPendingSql), Is.Zero);
        });
    }

    private AnnotationsJudged Judged(params bool[] agrees) => new()
    {
        TaskId = Guid.CreateVersion7(),
        BatchId = _batchId,
        Annotations = [.. agrees.Select((agree, i) => new JudgedAnnotation
        {
            AnnotationId = Guid.CreateVersion7(), WorkerId = $"worker-{i}", RewardCents = RewardCents, AgreesWithFinal = agree,
        })],
    };
}
