using System.Text.Json;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Payouts.Consumers;
using Crowd.Payouts.Data;

namespace Crowd.Payouts.Tests;

/// <summary>
/// AnnotationSubmitted and AnnotationsJudged reach payouts on independent queues: for every annotation, whichever of
/// the two consumers runs first, and when both run at once, the worker ends with the reward paid and nothing pending.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class EarningsRaceTests
{
    private const long RewardCents = 10;
    private PayoutsDatabase _payouts = null!;
    private Guid _batchId;

    [SetUp]
    public async Task CreateFundedBatchAsync()
    {
        _payouts = await PayoutsDatabase.CreateAsync();
        _batchId = await _payouts.FundBatchAsync(maxCostCents: 1_000_000, feeCentsPerAnnotation: 2);
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _payouts.DisposeAsync();

    /// <summary>
    /// Each pair overlaps for real: the first handler writes and holds its transaction open until the second has either
    /// finished its work or is seen waiting for a lock the first holds; only then does the first commit. Without a
    /// meeting point the second finishes unseen by the first (the race the issue saw); with one it waits.
    /// </summary>
    [TestCase(true, TestName = "BothHandlers_SubmittedWritesFirstAndJudgedRunsBeforeItCommits_NothingPaidIsPending")]
    [TestCase(false, TestName = "BothHandlers_JudgedWritesFirstAndSubmittedRunsBeforeItCommits_NothingPaidIsPending")]
    public async Task BothHandlers_Overlapping_NothingPaidIsPending(bool submittedFirst)
    {
        const int annotations = 60;
        for (var i = 0; i < annotations; i++)
        {
            var (submitted, judged) = Annotation($"worker-{i % 6}");
            Func<UnitOfWork, Task> submit = work => AnnotationSubmittedConsumer.RecordPendingAsync(work, submitted);
            Func<UnitOfWork, Task> pay = work => TasksJudgedConsumer.PayAsync(work, judged);
            await OverlapAsync(submittedFirst ? submit : pay, submittedFirst ? pay : submit);
        }

        await AssertEveryAnnotationPaidAndNothingPendingAsync(annotations);
    }

    [Test]
    public async Task BothHandlers_ManyAtOnceInRandomOrder_NothingPaidIsPending()
    {
        const int annotations = 300;
        var random = new Random(20261128);
        var handlers = new List<Func<Task>>();
        for (var i = 0; i < annotations; i++)
        {
            var (submitted, judged) = Annotation($"worker-{i % 6}");
            handlers.Add(() => InOwnTransactionAsync(work => AnnotationSubmittedConsumer.RecordPendingAsync(work, submitted)));
            handlers.Add(() => InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, judged)));
        }

        // Eight at a time, in a shuffled order: submitted before, after and beside its judgement.
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(handlers.OrderBy(_ => random.Next()).Select(async handler =>
        {
            await gate.WaitAsync();
            try
            {
                await Task.Run(handler);
            }
            finally
            {
                gate.Release();
            }
        }));

        await AssertEveryAnnotationPaidAndNothingPendingAsync(annotations);
    }

    [Test]
    public async Task Submitted_NotYetJudged_IsPendingAndNotPaid()
    {
        var (submitted, _) = Annotation("worker-1");
        await InOwnTransactionAsync(work => AnnotationSubmittedConsumer.RecordPendingAsync(work, submitted));

        Assert.That(await PendingCentsAsync("worker-1"), Is.EqualTo(RewardCents));
        Assert.That(await _payouts.ScalarAsync<long>(AnnotationEarnings.PaidButPendingSql), Is.Zero);
    }

    [Test]
    public async Task PaidButPending_AnnotationShownPendingThatTheLedgerPaid_IsCounted()
    {
        // The state the race used to leave behind, made by hand: the check must see it.
        var (submitted, judged) = Annotation("worker-1");
        await InOwnTransactionAsync(work => TasksJudgedConsumer.PayAsync(work, judged));
        await _payouts.ScalarAsync<int>(
            "UPDATE annotation_earnings SET state = 'submitted' WHERE annotation_id = @AnnotationId", new { submitted.AnnotationId });

        Assert.That(await _payouts.ScalarAsync<long>(AnnotationEarnings.PaidButPendingSql), Is.EqualTo(1));
    }

    private async Task OverlapAsync(Func<UnitOfWork, Task> first, Func<UnitOfWork, Task> second)
    {
        var firstWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondPid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task secondWork = Task.CompletedTask;

        var firstTask = Task.Run(async () =>
        {
            await using var work = await _payouts.Database.BeginAsync();
            await first(work);
            firstWritten.SetResult();
            var pid = await secondPid.Task;
            // The second has started: wait until it is done or stuck behind this transaction, then let it through.
            while (!secondWork.IsCompleted && !await _payouts.IsWaitingForLockAsync(pid))
            {
                await Task.Yield();
            }

            await work.CommitAsync();
        });
        var secondTask = Task.Run(async () =>
        {
            await firstWritten.Task;
            await using var work = await _payouts.Database.BeginAsync();
            secondWork = second(work);
            secondPid.SetResult(work.Connection.ProcessID);
            await secondWork;
            await work.CommitAsync();
        });
        await Task.WhenAll(firstTask, secondTask).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task InOwnTransactionAsync(Func<UnitOfWork, Task> handler)
    {
        await using var work = await _payouts.Database.BeginAsync();
        await handler(work);
        await work.CommitAsync();
    }

    private async Task AssertEveryAnnotationPaidAndNothingPendingAsync(int annotations)
    {
        Assert.That(await _payouts.ScalarAsync<long>(AnnotationEarnings.PaidButPendingSql), Is.Zero, "paid annotations shown as pending");
        Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM annotation_earnings WHERE state = 'paid'"), Is.EqualTo(annotations));
        Assert.That(await _payouts.ScalarAsync<long>("SELECT count(*) FROM ledger_transactions WHERE kind = 'reward'"), Is.EqualTo(annotations));
        for (var w = 0; w < 6; w++)
        {
            Assert.That(await PendingCentsAsync($"worker-{w}"), Is.Zero, $"worker-{w}'s pending earnings");
        }

        Assert.That(
            await _payouts.ScalarAsync<long>("SELECT sum(balance_cents) FROM accounts WHERE kind = 'worker-payable'"),
            Is.EqualTo(annotations * RewardCents));
    }

    // The earnings endpoint's own definition of pending.
    private Task<long> PendingCentsAsync(string workerId) =>
        _payouts.ScalarAsync<long>(
            "SELECT coalesce(sum(reward_cents), 0)::bigint FROM annotation_earnings WHERE worker_id = @workerId AND state = 'submitted'", new { workerId });

    private (AnnotationSubmitted Submitted, AnnotationsJudged Judged) Annotation(string workerId)
    {
        var annotationId = Guid.CreateVersion7();
        var taskId = Guid.CreateVersion7();
        var submitted = new AnnotationSubmitted
        {
            AnnotationId = annotationId, ClaimId = Guid.CreateVersion7(), TaskId = taskId, BatchId = _batchId, WorkerId = workerId,
            Payload = JsonSerializer.SerializeToElement(new { label = "nodule" }), RewardCents = RewardCents, SubmittedAt = DateTimeOffset.UtcNow,
            Policy = new TaskPolicy
            {
                SchemaKind = "classification", Classes = ["nodule", "no-nodule"], RedundancyMin = 1, RedundancyMax = 1, AcceptanceThreshold = 0.5,
                IsGold = false,
            },
        };
        var judged = new AnnotationsJudged
        {
            TaskId = taskId, BatchId = _batchId,
            Annotations = [new JudgedAnnotation { AnnotationId = annotationId, WorkerId = workerId, RewardCents = RewardCents, AgreesWithFinal = true }],
        };
        return (submitted, judged);
    }
}
