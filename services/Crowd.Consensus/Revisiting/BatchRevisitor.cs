using Crowd.Consensus.Data;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Options;
using Crowd.Data;
using Crowd.Data.Outbox;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Revisiting;

/// <summary>
/// Revisits each batch once every task is final, before it may complete, and an open batch at once when one of its
/// workers is suspended (README, "Revisions"): the batch is re-decided (<see cref="BatchRevisit"/>); disputed tasks go
/// back for more annotations or to QA, and once a revisit of a batch whose every task is final disputes nothing, its
/// labels are stable and slicing may complete it. Safe with any number of instances: each batch is revisited under its
/// exclusive lock (decisions hold it shared), and checked again once the lock is held.
/// </summary>
public sealed class BatchRevisitor(Database database, IOptions<ConsensusOptions> options, ILogger<BatchRevisitor> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                await RevisitDueBatchesAsync(token);
                await Task.Delay(options.Value.RevisitInterval, token);
            },
            options.Value.RevisitInterval, logger, "Revisiting batches failed; trying again shortly", stoppingToken);

    private async Task RevisitDueBatchesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Guid> due;
        await using (var work = await database.BeginAsync(cancellationToken))
        {
            await work.FoldFinalTaskCountsAsync();
            due = await work.BatchesDueAsync();
            await work.CommitAsync();
        }

        foreach (var batchId in due)
        {
            await RevisitAsync(batchId, cancellationToken);
        }
    }

    private async Task RevisitAsync(Guid batchId, CancellationToken cancellationToken)
    {
        await using var work = await database.BeginAsync(cancellationToken);
        await work.LockBatchAsync(batchId);
        var (due, allFinal) = await work.RevisitStateAsync(batchId);
        if (!due)
        {
            return; // another instance revisited it first, or a cancel came between
        }

        await work.ClearRevisitRequestAsync(batchId);
        var (policy, tasks, annotations, modelVotes) = await work.LoadForRevisitAsync(batchId);
        var disputed = policy is null ? [] : await DisputeAsync(work, policy, tasks, annotations, modelVotes);
        var counts = tasks.ToDictionary(t => t.TaskId, t => t.AnnotationCount);
        foreach (var task in disputed)
        {
            if (task.AsksForMore)
            {
                await work.ReopenAsync(task.TaskId, batchId, counts[task.TaskId], BatchRevisit.Budget(policy!));
            }
            else
            {
                await work.SendToQaAsync(task.TaskId, task.Candidate, counts[task.TaskId]);
            }
        }

        var stable = disputed.Count == 0 && allFinal;
        if (stable)
        {
            await work.MarkStableAsync(batchId);
        }

        await work.CommitAsync();
        logger.LogInformation(
            "Batch {BatchId} revisited ({Why}): {Disputed} of {TaskCount} labels disputed ({Reopened} asking for more annotations, the rest to QA){Stable}",
            batchId, allFinal ? "every task final" : "a worker suspended", disputed.Count, tasks.Count, disputed.Count(d => d.AsksForMore),
            stable ? "; labels stable" : "");
    }

    private static async Task<IReadOnlyList<DisputedTask>> DisputeAsync(
        UnitOfWork work, Crowd.Contracts.Tasks.TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations,
        IReadOnlyList<RevisitedAnnotation> modelVotes)
    {
        var reliabilities = await work.ReliabilitiesAsync(annotations.Concat(modelVotes).Select(a => a.WorkerId));
        return BatchRevisit.Dispute(policy, tasks, annotations, modelVotes, voterId => reliabilities[voterId]);
    }
}
