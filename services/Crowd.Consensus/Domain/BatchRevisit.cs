using Crowd.Consensus.Data;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain;

/// <summary>A task of the batch being revisited: the class consensus decided (null when it did not: gold, QA, excluded) and its annotation count.</summary>
public sealed record RevisitedTask(Guid TaskId, string? DecidedClass, int AnnotationCount);

/// <summary>One classification annotation of the batch being revisited.</summary>
public sealed record RevisitedAnnotation(Guid TaskId, string WorkerId, string Class);

/// <summary>
/// A task whose decided label the batch, seen whole, no longer supports: it asks for more annotations while it has
/// budget left (<see cref="RevisionBudget.ExtraAnnotations"/> past <c>redundancy.max</c>), else it goes to QA with the batch's
/// label as the candidate.
/// </summary>
public sealed record DisputedTask(Guid TaskId, string BatchClass, double BatchConfidence, bool AsksForMore);

/// <summary>
/// Revisiting a batch's early decisions (README, "Revisions"): a classification batch is re-decided by Dawid-Skene over
/// every annotation it holds, started from the workers' learned accuracies (<see cref="Revisit.Dispute"/>), and each task
/// consensus decided differently is disputed. Gold tasks (their answer is known) and QA's decisions are never disputed,
/// though their annotations are evidence about the workers. Other kinds are not revisited: their rules judge each task
/// on its own annotations, with nothing a batch-wide model would add.
/// </summary>
public static class BatchRevisit
{
    public static bool Applies(TaskPolicy policy) => policy.SchemaKind == LabelPayloads.Classification;

    /// <summary>The batch's disputed tasks, given its policy (<paramref name="policy"/>: every task of a batch has its schema and redundancy).</summary>
    public static IReadOnlyList<DisputedTask> Dispute(
        TaskPolicy policy, IReadOnlyList<RevisitedTask> tasks, IReadOnlyList<RevisitedAnnotation> annotations, Func<string, double> learnedAccuracy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(annotations);
        if (!Applies(policy) || annotations.Count == 0)
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
            [.. annotations.Select(a => TaskStore.IndexOf(classes, a.Class))]);
        var decided = tasks.Select(t => t.DecidedClass is { } label ? TaskStore.IndexOf(classes, label) : -1).ToArray();

        return Revisit.Dispute(batch, decided, [.. workers.Select(learnedAccuracy)])
            .Select(d => new DisputedTask(tasks[d.Item].TaskId, classes[d.BatchLabel], d.BatchConfidence, tasks[d.Item].AnnotationCount < Budget(policy)))
            .ToList();
    }

    /// <summary>The most annotations a revisited task may have: its batch's <c>redundancy.max</c> + <see cref="RevisionBudget.ExtraAnnotations"/>.</summary>
    public static int Budget(TaskPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.RedundancyMax + RevisionBudget.ExtraAnnotations;
    }
}
