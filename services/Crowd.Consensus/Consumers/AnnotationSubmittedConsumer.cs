using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Domain;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Consensus.Consumers;

/// <summary>Adds the annotation to its task and decides: accept, ask for one more, or escalate to QA.</summary>
public sealed class AnnotationSubmittedConsumer(Database database) : InboxConsumer<AnnotationSubmitted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationSubmitted> context)
    {
        var submitted = context.Message;
        var task = await work.LockTaskAsync(submitted.TaskId, submitted.BatchId, submitted.Policy);
        await work.ExecuteAsync("""
            INSERT INTO annotations (annotation_id, task_id, worker_id, payload, reward_cents, submitted_at)
            VALUES (@AnnotationId, @TaskId, @WorkerId, @payload::jsonb, @RewardCents, @SubmittedAt)
            ON CONFLICT (annotation_id) DO NOTHING
            """, new { submitted.AnnotationId, submitted.TaskId, submitted.WorkerId, payload = submitted.Payload.GetRawText(), submitted.RewardCents, submitted.SubmittedAt });
        var annotations = await work.AnnotationsAsync(task.TaskId);

        switch (task.Status)
        {
            case TaskStore.Finalized:
                // A lease that was still running when the task was decided: the work was done, so it is judged and paid.
                await work.JudgeAsync(task, JsonDocument.Parse(task.FinalLabel!).RootElement.GetProperty("label").GetString()!, annotations);
                break;
            case TaskStore.Collecting:
                await DecideAsync(work, task, submitted.Policy, annotations);
                break;
            default:
                // Escalated: the reviewer sees this annotation with the others and decides.
                break;
        }
    }

    private static async Task DecideAsync(UnitOfWork work, TaskState task, TaskPolicy policy, IReadOnlyList<StoredAnnotation> annotations)
    {
        var labels = annotations.Select(a => a.Label).ToList();
        if (policy is { IsGold: true, GoldTruth: { } truth })
        {
            // A gold task's answer is known: it needs redundancy.min looks to measure workers, never consensus.
            if (labels.Count >= policy.RedundancyMin)
            {
                var truthLabel = truth.GetProperty("label").GetString()!;
                await work.FinalizeAsync(task, isGold: true, truth, "gold", 1.0, MajorityShareRule.Agreement(labels, truthLabel), annotations);
            }

            return;
        }

        var decision = MajorityShareRule.Decide(labels, policy.Classes, policy.RedundancyMin, policy.RedundancyMax, policy.AcceptanceThreshold);
        switch (decision.Verdict)
        {
            case Verdict.Accept:
                var label = JsonSerializer.SerializeToElement(new { label = decision.Candidate });
                await work.FinalizeAsync(task, isGold: false, label, "consensus", decision.Confidence, decision.Agreement, annotations);
                break;
            case Verdict.More when labels.Count >= policy.RedundancyMin:
                // Below redundancy.min the slots opened at release are still being worked; past it, each undecided answer asks for one more.
                work.Publish(new MoreAnnotationsRequested { TaskId = task.TaskId, BatchId = task.BatchId, AnnotationCount = labels.Count });
                break;
            case Verdict.Escalate:
                var disagreementId = Guid.CreateVersion7();
                await work.ExecuteAsync("""
                    UPDATE consensus_tasks SET status = 'escalated' WHERE task_id = @TaskId;
                    INSERT INTO disagreements (disagreement_id, task_id, batch_id, candidate)
                    VALUES (@disagreementId, @TaskId, @BatchId, @candidate::jsonb);
                    """, new { task.TaskId, task.BatchId, disagreementId, candidate = JsonSerializer.Serialize(new { label = decision.Candidate }) });
                work.Publish(new TaskEscalated { TaskId = task.TaskId, BatchId = task.BatchId, DisagreementId = disagreementId, AnnotationCount = labels.Count });
                break;
        }
    }
}
