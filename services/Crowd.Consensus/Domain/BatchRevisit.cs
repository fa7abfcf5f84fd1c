using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain;

/// <summary>
/// A task of the batch being revisited: the label consensus decided (null when it did not decide it: gold, QA, excluded,
/// still collecting, so never disputed) and its annotation count.
/// </summary>
public sealed record RevisitedTask(Guid TaskId, JsonElement? Decided, int AnnotationCount);

/// <summary>One annotation of the batch being revisited.</summary>
public sealed record RevisitedAnnotation(Guid TaskId, string WorkerId, JsonElement Payload);

/// <summary>
/// A task whose decided label the batch, seen again, no longer supports: it asks for more annotations while it has
/// budget left (<see cref="BatchRevisit.Budget"/>), else it goes to QA with <see cref="Candidate"/> as the label to beat.
/// </summary>
public sealed record DisputedTask(Guid TaskId, JsonElement Candidate, bool AsksForMore);

/// <summary>
/// Revisiting a batch's early decisions (README, "Revisions"). A classification batch is re-decided whole by Dawid-Skene
/// over every annotation it holds, started from the workers' learned accuracies (<see cref="Revisit.Dispute"/>): a
/// task consensus decided differently is disputed. Other kinds judge each task on its own annotations, so there the
/// revisit re-applies the kind's own rule to each decided task without its suspended workers' annotations: a task that
/// rule would no longer accept as decided is disputed. Gold tasks and QA's decisions are never disputed, though their
/// annotations are evidence about the workers.
/// </summary>
public static class BatchRevisit
{
    /// <summary>The most annotations a revisited task may have: its batch's <c>redundancy.max</c> + <see cref="RevisionBudget.ExtraAnnotations"/>.</summary>
    public static int Budget(TaskPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.RedundancyMax + RevisionBudget.ExtraAnnotations;
    }

    /// <summary>
    /// The batch's disputed tasks, given its policy (every task of a batch has its schema and redundancy), each voter's
    /// stored reliability, and the models' predictions of its tasks (<paramref name="modelVotes"/>, voter ids from
    /// <see cref="ModelVoters"/>): on classification a model is one more annotator in the batch's model, as it is one
    /// more voter online; other kinds' rules are over human annotations only.
    /// </summary>
    public static IReadOnlyList<DisputedTask> Dispute(
        TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations,
        IReadOnlyList<RevisitedAnnotation> modelVotes, Func<string, StoredReliability> reliabilityOf)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(modelVotes);
        ArgumentNullException.ThrowIfNull(reliabilityOf);
        return policy.SchemaKind == LabelPayloads.Classification
            ? DisputeByBatchModel(policy, tasks, [.. annotations, .. modelVotes], reliabilityOf)
            : DisputeWithoutSuspended(policy, tasks, annotations, reliabilityOf);
    }

    private static List<DisputedTask> DisputeByBatchModel(
        TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations, Func<string, StoredReliability> reliabilityOf)
    {
        if (annotations.Count == 0)
        {
            return [];
        }

        var classes = policy.Classes;
        var itemOf = tasks.Select((task, index) => (task.TaskId, index)).ToDictionary(t => t.TaskId, t => t.index);
        var workers = annotations.Select(a => a.WorkerId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var workerOf = workers.Select((id, index) => (id, index)).ToDictionary(w => w.id, w => w.index, StringComparer.Ordinal);
        var batch = CrowdLabels.Create(
            tasks.Count, workers.Count, classes.Count,
            [.. annotations.Select(a => itemOf[a.TaskId])],
            [.. annotations.Select(a => workerOf[a.WorkerId])],
            [.. annotations.Select(a => ClassificationKind.ClassIndex(classes, a.Payload))]);
        var decided = tasks.Select(t => t.Decided is { } label ? ClassificationKind.ClassIndex(classes, label) : -1).ToArray();
        var learned = workers.Select(w => reliabilityOf(w).Reliability.Accuracy).ToArray();

        return Revisit.Dispute(batch, decided, learned, policy.AcceptanceThreshold)
            .Select(d => new DisputedTask(tasks[d.Item].TaskId, ClassificationKind.Payload(classes[d.BatchLabel]), tasks[d.Item].AnnotationCount < Budget(policy)))
            .ToList();
    }

    private static List<DisputedTask> DisputeWithoutSuspended(
        TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations, Func<string, StoredReliability> reliabilityOf)
    {
        var kind = ConsensusKinds.Of(policy);
        var byTask = annotations.ToLookup(a => a.TaskId);
        var disputed = new List<DisputedTask>();
        foreach (var task in tasks)
        {
            if (task.Decided is not { } decided || !byTask[task.TaskId].Any(a => reliabilityOf(a.WorkerId).Suspended))
            {
                continue;
            }

            // The label stands if what is left of its annotations still supports it: fewer of them than redundancy.min is no
            // reason by itself to ask for more (they were enough to count when the task was decided).
            var kept = byTask[task.TaskId].Where(a => !reliabilityOf(a.WorkerId).Suspended).Select(a => new KindAnnotation(a.WorkerId, a.Payload)).ToList();
            var decision = kept.Count == 0 ? null : kind.Decide(policy with { RedundancyMin = 1 }, kept, workerId => reliabilityOf(workerId).Reliability);
            if (decision is not { Outcome: DecisionOutcome.Accept } || !kind.Agrees(policy, decision.Candidate, decided))
            {
                disputed.Add(new DisputedTask(task.TaskId, decision?.Candidate ?? decided, task.AnnotationCount < Budget(policy)));
            }
        }

        return disputed;
    }
}
