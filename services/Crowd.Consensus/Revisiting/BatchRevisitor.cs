using Crowd.Consensus.Data;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Options;
using Crowd.Data;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Revisiting;

/// <summary>
/// Revisits each batch once every task is final, before it may complete (README, "Revisions"): the batch is re-decided
/// whole (<see cref="BatchRevisit"/>); disputed tasks go back for more annotations or to QA, and once a revisit disputes
/// nothing the batch's labels are stable and slicing may complete it. Safe with any number of instances: each batch is
/// revisited under its exclusive lock (decisions hold it shared), and checked again once the lock is held.
/// </summary>
public sealed class BatchRevisitor(Database database, IOptions<ConsensusOptions> options, ILogger<BatchRevisitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RevisitInterval);
        do
        {
            try
            {
                await RevisitDueBatchesAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Revisiting batches failed; trying again at the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RevisitDueBatchesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Guid> due;
        await using (var work = await database.BeginAsync(cancellationToken))
        {
            due = await work.BatchesDueAsync();
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
        if (!await work.IsDueAsync(batchId))
        {
            return; // another instance revisited it first, or a cancel came between
        }

        var (policy, tasks, annotations) = await work.LoadForRevisitAsync(batchId);
        var disputed = policy is null ? [] : await DisputeAsync(work, policy, tasks, annotations);
        if (disputed.Count == 0)
        {
            await work.MarkStableAsync(batchId);
            await work.CommitAsync();
            logger.LogInformation("Batch {BatchId} revisited: {TaskCount} labels stable", batchId, tasks.Count);
            return;
        }

        var counts = tasks.ToDictionary(t => t.TaskId, t => t.AnnotationCount);
        foreach (var task in disputed)
        {
            if (task.AsksForMore)
            {
                await work.ReopenAsync(task.TaskId, batchId, counts[task.TaskId], BatchRevisit.Budget(policy!));
            }
            else
            {
                await work.SendToQaAsync(task.TaskId, ClassificationKind.Payload(task.BatchClass), counts[task.TaskId]);
            }
        }

        await work.CommitAsync();
        logger.LogInformation(
            "Batch {BatchId} revisited: {Disputed} of {TaskCount} labels disputed ({Reopened} asking for more annotations, the rest to QA)",
            batchId, disputed.Count, tasks.Count, disputed.Count(d => d.AsksForMore));
    }

    private static async Task<IReadOnlyList<DisputedTask>> DisputeAsync(
        UnitOfWork work, Crowd.Contracts.Tasks.TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations)
    {
        var reliabilities = await work.ReliabilitiesAsync(annotations.Select(a => a.WorkerId));
        return BatchRevisit.Dispute(policy, tasks, annotations, workerId => reliabilities[workerId].Reliability.Accuracy);
    }
}
