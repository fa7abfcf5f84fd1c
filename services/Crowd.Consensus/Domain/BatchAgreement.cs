using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Consensus.Domain;

/// <summary>
/// One annotation of a batch as agreement needs it. <see cref="Answer"/> is what the annotation is judged against:
/// a gold task's known truth, an ordinary task's final label once it has one, otherwise null.
/// </summary>
public sealed record BatchAnnotation(Guid TaskId, string WorkerId, string Label, bool IsGold, string? Answer);

/// <summary>
/// One annotation of a batch as stored, any kind: its payload and what it is judged against (<see cref="BatchAnnotation.Answer"/>),
/// both as JSON text; each kind reads them (<see cref="Kinds.IConsensusKind.Agreement"/>).
/// </summary>
public sealed record AnsweredAnnotation(Guid TaskId, string WorkerId, string Payload, bool IsGold, string? Answer)
{
    public JsonElement Read() => JsonDocument.Parse(Payload).RootElement;

    public JsonElement? ReadAnswer() => Answer is null ? null : JsonDocument.Parse(Answer).RootElement;
}

/// <summary>A class's Fleiss kappa (API.md <c>perClass</c>); null when no annotation chose it.</summary>
public sealed record ClassAgreement(double? Kappa);

/// <summary>A worker's part in the batch (API.md <c>workers</c>); the shares are null when nothing could be scored.</summary>
public sealed record WorkerAgreement(string WorkerId, int AnnotationCount, double? AgreementWithConsensus, double? GoldAccuracy);

/// <summary>The answer of <c>GET /v1/batches/{batchId}/agreement</c>; a statistic that does not apply is null.</summary>
public sealed record BatchAgreementView(
    double? FleissKappa, double? KrippendorffAlpha, IReadOnlyDictionary<string, ClassAgreement>? PerClass, IReadOnlyList<WorkerAgreement> Workers);

public static class BatchAgreement
{
    /// <summary>
    /// Inter-annotator agreement over the batch's non-gold tasks with the engine's statistics, and each worker's share
    /// of agreement with final labels and of right gold answers. <paramref name="annotations"/> come grouped by task,
    /// each task's in submission order; <paramref name="classes"/> are the schema's, in its order.
    /// </summary>
    public static BatchAgreementView Compute(IReadOnlyList<string> classes, IReadOnlyList<BatchAnnotation> annotations)
    {
        var tasks = annotations.Where(a => !a.IsGold)
            .GroupBy(a => a.TaskId)
            .Select(task => task.Select(a => TaskStore.IndexOf(classes, a.Label)).ToArray())
            .Where(ratings => ratings.Length >= 2) // a single rating has nothing to agree with, in either statistic
            .ToList();

        var alpha = KrippendorffAlpha.FromUnits(tasks.Select(ratings => ratings.Select(c => (double)c).ToArray()).ToList(), AlphaMetric.Nominal);
        var fleiss = Fleiss(tasks, classes.Count);
        return new BatchAgreementView(
            NullIfUndefined(fleiss?.Kappa),
            NullIfUndefined(alpha.Alpha),
            fleiss is null ? null : classes.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => new ClassAgreement(NullIfUndefined(fleiss.PerCategory[x.c]))),
            Workers(annotations));
    }

    /// <summary>
    /// The agreement of a kind without class statistics (kappa and per-class are null; <paramref name="alpha"/> when the
    /// kind has a metric for it): each worker's shares of annotations that <paramref name="agrees"/> with their answer.
    /// </summary>
    public static BatchAgreementView WithoutClassStatistics(
        double? alpha, IReadOnlyList<AnsweredAnnotation> annotations, Func<JsonElement, JsonElement, bool> agrees) =>
        new(null, NullIfUndefined(alpha), null, Workers(annotations
            // Reduced to whether each annotation agrees with its answer, so the workers' shares are counted as for classes.
            .Select(a => new BatchAnnotation(a.TaskId, a.WorkerId, Agreeing, a.IsGold,
                a.ReadAnswer() is not { } answer ? null : agrees(a.Read(), answer) ? Agreeing : Disagreeing))
            .ToList()));

    private const string Agreeing = "agrees";
    private const string Disagreeing = "disagrees";

    /// <summary>
    /// Fleiss' kappa over every task's first m annotations, m the smallest number any task with two or more has.
    /// </summary>
    /// <remarks>
    /// Fleiss (1971) assumes a fixed number of raters per subject, and here the number is not fixed: consensus asks for
    /// another annotation exactly when the first ones disagree, so a task's count depends on its own agreement. Pooling
    /// every annotation (the engine's variable-count form) would weight contentious tasks by n(n - 1) and pull kappa down;
    /// keeping only the tasks that have the common count would keep the easy ones and push it up. Every task's first m
    /// annotations were gathered under the same rule (in a finished batch m is redundancy.min, the slots opened at release,
    /// before any decision looked at them), so over them the textbook statistic applies to every task without selecting
    /// on the outcome. Krippendorff's alpha is defined for any number of values per unit and uses them all.
    /// </remarks>
    private static FleissResult? Fleiss(List<int[]> tasks, int classCount)
    {
        if (tasks.Count == 0)
        {
            return null;
        }

        var raters = tasks.Min(ratings => ratings.Length);
        var counts = new int[tasks.Count * classCount];
        for (var t = 0; t < tasks.Count; t++)
        {
            foreach (var c in tasks[t].Take(raters))
            {
                counts[(t * classCount) + c]++;
            }
        }

        return FleissKappa.FromCounts(counts, classCount);
    }

    private static List<WorkerAgreement> Workers(IReadOnlyList<BatchAnnotation> annotations) =>
        annotations.GroupBy(a => a.WorkerId, StringComparer.Ordinal)
            .OrderBy(worker => worker.Key, StringComparer.Ordinal)
            .Select(worker => new WorkerAgreement(
                worker.Key,
                worker.Count(a => !a.IsGold),
                ShareRight(worker.Where(a => !a.IsGold)),
                ShareRight(worker.Where(a => a.IsGold))))
            .ToList();

    /// <summary>Share of the annotations with an answer that equal it; null when none has one yet.</summary>
    private static double? ShareRight(IEnumerable<BatchAnnotation> annotations)
    {
        var scored = annotations.Where(a => a.Answer is not null).ToList();
        return scored.Count == 0 ? null : (double)scored.Count(a => a.Label == a.Answer) / scored.Count;
    }

    private static double? NullIfUndefined(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
