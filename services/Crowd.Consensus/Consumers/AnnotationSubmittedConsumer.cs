using Crowd.Consensus.Data;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Messaging;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Consumers;

/// <summary>
/// Adds each annotation to its task and decides by the task's schema kind (<see cref="IConsensusKind"/>; for classification
/// the engine's online decision: the posterior over classes given each annotator's current reliability): accept, ask for
/// one more, or escalate to QA. Annotations are taken in batches (<see cref="AnnotationSubmittedConsumerDefinition"/>), so
/// the transaction, the inbox and the outbox are paid once for many; a task with several annotations in one batch is
/// decided once, with all of them, as if they had come together.
/// <para>
/// Locks, in the one order every transaction of consensus takes them, so none can deadlock: the batches (shared, in id
/// order; a cancel takes its batch's exclusively), then the tasks in id order, then the reliability rows of every worker
/// who annotated those tasks (and of their models), in worker order, since any decision may judge them. Those rows are
/// read once, there, and kept current in memory as the batch's decisions learn (<see cref="LockedReliabilities"/>).
/// </para>
/// </summary>
public sealed class AnnotationSubmittedConsumer(Database database, IOptions<ConsensusOptions> options) : InboxBatchConsumer<AnnotationSubmitted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<AnnotationSubmitted> messages)
    {
        var cancelledBatches = new HashSet<Guid>();
        foreach (var batchId in messages.Select(m => m.BatchId).Distinct().Order())
        {
            if (await work.IsBatchCancelledAsync(batchId))
            {
                cancelledBatches.Add(batchId);
            }
        }

        // OrderBy is stable: a task's annotations keep their delivery order.
        var byTask = messages.GroupBy(m => m.TaskId).OrderBy(g => g.Key).ToList();
        var tasks = await work.LockTasksAsync([.. byTask.Select(submissions =>
        {
            var first = submissions.First();
            return (first.TaskId, first.BatchId, first.Policy, submissions.Select(s => s.Content).FirstOrDefault(c => c is not null));
        })]);

        await work.StoreAnnotationsAsync(messages);
        var annotationsByTask = (await work.AnnotationsAsync([.. tasks.Select(t => t.TaskId)])).ToLookup(a => a.TaskId);
        // Every voter of these tasks, models included: any decision may read or judge them. Read once, kept current.
        var models = byTask.Select(g => g.First().Policy.Prediction).OfType<ModelPrediction>().Select(ModelVoters.Id);
        var locked = await work.LockAsync(annotationsByTask.SelectMany(task => task).Select(a => a.WorkerId).Concat(models));

        var states = tasks.ToDictionary(t => t.TaskId);
        foreach (var submissions in byTask)
        {
            var task = states[submissions.Key];
            var annotations = annotationsByTask[task.TaskId].ToList();
            var submitted = submissions.Select(s => s.AnnotationId).ToHashSet();
            await HandleTaskAsync(work, task, submissions.First().Policy, annotations, submitted, cancelledBatches.Contains(task.BatchId), locked);
        }
    }

    private async Task HandleTaskAsync(
        UnitOfWork work, TaskState task, TaskPolicy policy, IReadOnlyList<StoredAnnotation> annotations, IReadOnlySet<Guid> submitted,
        bool batchCancelled, LockedReliabilities locked)
    {
        if (batchCancelled && task.Status is not (TaskStore.Finalized or TaskStore.Excluded))
        {
            // Submitted on a claim still open at the cancel (or overtaken by it): paid, never decided.
            await work.StopTaskAsync(task, annotations);
            return;
        }

        switch (task.Status)
        {
            case TaskStore.Finalized or TaskStore.Excluded:
                // A lease that was still running when the task was decided: the work was done, so it is judged and paid.
                await work.JudgeAsync(task, task.FinalPayload(), annotations, options.Value, locked: locked);
                break;
            case TaskStore.Collecting:
                await DecideAsync(work, task, policy, annotations, submitted, locked);
                break;
            default:
                // Escalated: the reviewer sees this annotation with the others and decides.
                break;
        }
    }

    private async Task DecideAsync(
        UnitOfWork work, TaskState task, TaskPolicy policy, IReadOnlyList<StoredAnnotation> annotations, IReadOnlySet<Guid> submitted,
        LockedReliabilities locked)
    {
        var kind = ConsensusKinds.Of(policy);
        var payloads = annotations.Select(a => a.Read()).ToList();
        if (policy is { IsGold: true, GoldTruth: { } truth })
        {
            // A gold task's answer is known: it needs redundancy.min looks to measure workers, never consensus.
            if (annotations.Count >= policy.RedundancyMin)
            {
                await work.FinalizeAsync(task, isGold: true, truth, "gold", 1.0, kind.Agreement(policy, payloads, truth), annotations, options.Value, locked);
            }

            return;
        }

        var reliabilities = locked.Rows;
        var decision = kind.Decide(
            policy, annotations.Select((a, i) => new KindAnnotation(a.WorkerId, payloads[i])).ToList(), workerId => reliabilities[workerId].Reliability);
        switch (decision.Outcome)
        {
            case DecisionOutcome.Accept:
                await work.FinalizeAsync(task, isGold: false, decision.Candidate, "consensus", decision.Confidence, decision.Agreement, annotations, options.Value, locked);
                break;
            case DecisionOutcome.More:
                // Below redundancy.min the slots opened at release are still being worked; past it, each undecided answer
                // asks for one more: each of this batch's annotations that took the task's count to redundancy.min or past
                // it. Counted, not found by position: another consumer may have stored an annotation submitted in between.
                var before = annotations.Count - annotations.Count(a => submitted.Contains(a.AnnotationId));
                for (var count = Math.Max(before + 1, policy.RedundancyMin); count <= annotations.Count; count++)
                {
                    work.Publish(new MoreAnnotationsRequested { TaskId = task.TaskId, BatchId = task.BatchId, AnnotationCount = count });
                }

                break;
            case DecisionOutcome.Escalate:
                await work.EscalateAsync(task, decision.Candidate, annotations.Count);
                break;
        }
    }
}

/// <summary>
/// Up to 100 annotations at once, or what has come within 10 ms; two batches in hand per instance, so one can be read
/// and decided while the other holds its tasks' rows through its commit.
/// </summary>
public sealed class AnnotationSubmittedConsumerDefinition : BatchConsumerDefinition<AnnotationSubmittedConsumer>;
