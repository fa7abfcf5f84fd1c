using Crowd.Consensus.Data;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Consumers;

/// <summary>
/// Adds the annotation to its task and decides by the task's schema kind (<see cref="IConsensusKind"/>; for classification
/// the engine's online decision: the posterior over classes given each annotator's current reliability): accept, ask for
/// one more, or escalate to QA.
/// </summary>
public sealed class AnnotationSubmittedConsumer(Database database, IOptions<ConsensusOptions> options) : InboxConsumer<AnnotationSubmitted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationSubmitted> context)
    {
        var submitted = context.Message;
        // Before the task's lock, as the cancel takes them: the batch's lock first, then its tasks.
        var batchCancelled = await work.IsBatchCancelledAsync(submitted.BatchId);
        var task = await work.LockTaskAsync(submitted.TaskId, submitted.BatchId, submitted.Policy, submitted.Content);
        await work.ExecuteAsync("""
            INSERT INTO annotations (annotation_id, task_id, worker_id, payload, reward_cents, submitted_at)
            VALUES (@AnnotationId, @TaskId, @WorkerId, @payload::jsonb, @RewardCents, @SubmittedAt)
            ON CONFLICT (annotation_id) DO NOTHING
            """, new { submitted.AnnotationId, submitted.TaskId, submitted.WorkerId, payload = submitted.Payload.GetRawText(), submitted.RewardCents, submitted.SubmittedAt });
        var annotations = await work.AnnotationsAsync(task.TaskId);

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
                await work.JudgeAsync(task, task.FinalPayload(), annotations, options.Value);
                break;
            case TaskStore.Collecting:
                await DecideAsync(work, task, submitted.Policy, annotations);
                break;
            default:
                // Escalated: the reviewer sees this annotation with the others and decides.
                break;
        }
    }

    private async Task DecideAsync(UnitOfWork work, TaskState task, TaskPolicy policy, IReadOnlyList<StoredAnnotation> annotations)
    {
        var kind = ConsensusKinds.Of(policy);
        var payloads = annotations.Select(a => a.Read()).ToList();
        if (policy is { IsGold: true, GoldTruth: { } truth })
        {
            // A gold task's answer is known: it needs redundancy.min looks to measure workers, never consensus.
            if (annotations.Count >= policy.RedundancyMin)
            {
                await work.FinalizeAsync(task, isGold: true, truth, "gold", 1.0, kind.Agreement(policy, payloads, truth), annotations, options.Value);
            }

            return;
        }

        var reliabilities = await work.ReliabilitiesAsync(annotations.Select(a => a.WorkerId));
        var decision = kind.Decide(
            policy, annotations.Select((a, i) => new KindAnnotation(a.WorkerId, payloads[i])).ToList(), workerId => reliabilities[workerId].Reliability);
        switch (decision.Outcome)
        {
            case DecisionOutcome.Accept:
                await work.FinalizeAsync(task, isGold: false, decision.Candidate, "consensus", decision.Confidence, decision.Agreement, annotations, options.Value);
                break;
            case DecisionOutcome.More when annotations.Count >= policy.RedundancyMin:
                // Below redundancy.min the slots opened at release are still being worked; past it, each undecided answer asks for one more.
                work.Publish(new MoreAnnotationsRequested { TaskId = task.TaskId, BatchId = task.BatchId, AnnotationCount = annotations.Count });
                break;
            case DecisionOutcome.Escalate:
                var disagreementId = Guid.CreateVersion7();
                await work.ExecuteAsync("""
                    UPDATE consensus_tasks SET status = 'escalated' WHERE task_id = @TaskId;
                    INSERT INTO disagreements (disagreement_id, task_id, batch_id, candidate)
                    VALUES (@disagreementId, @TaskId, @BatchId, @candidate::jsonb);
                    """, new { task.TaskId, task.BatchId, disagreementId, candidate = decision.Candidate.GetRawText() });
                work.Publish(new TaskEscalated { TaskId = task.TaskId, BatchId = task.BatchId, DisagreementId = disagreementId, AnnotationCount = annotations.Count });
                break;
        }
    }
}
