using System.Text.Json;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>One annotation as a kind's decision reads it: who, and the payload they submitted.</summary>
public readonly record struct KindAnnotation(string WorkerId, JsonElement Payload);

/// <summary>What to do with a task after its latest annotation, and the label it would get (API.md's results row).</summary>
public sealed record KindDecision(DecisionOutcome Outcome, JsonElement Candidate, double Confidence, double Agreement);

/// <summary>
/// One answer as evidence for the one-coin reliability: the class given, the class judged right, out of how many, and how
/// much of one answer's evidence it carries (a multilabel answer teaches one lesson per class, each a share of one answer).
/// </summary>
public readonly record struct ReliabilityLesson(int Observed, int Truth, int ClassCount, double Weight = 1)
{
    /// <summary>An answer judged right or wrong as a whole, as one answer between two classes: what boxes, masks and measurements teach.</summary>
    public static ReliabilityLesson RightOrWrong(bool right) => new(right ? 0 : 1, 0, 2);
}

/// <summary>
/// How consensus decides and judges tasks of one label schema kind (API.md "Consensus, as users see it"). The one place
/// consensus knows a kind: a new kind (bbox, segmentation) is one more implementation and one more entry in
/// <see cref="ConsensusKinds.ByKind"/>; whether a payload fits is <see cref="LabelPayloads"/>' business.
/// </summary>
public interface IConsensusKind
{
    string Kind { get; }

    /// <summary>The decision after the task's annotations so far, with each worker's current reliability.</summary>
    KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf);

    /// <summary>Whether <paramref name="payload"/> agrees with the task's final label: what payouts' bonus and <c>agreement</c> count.</summary>
    bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel);

    /// <summary>
    /// What the annotation teaches its worker's one-coin reliability once the final label is known (README, "What each
    /// kind teaches"): together, one answer's worth of evidence.
    /// </summary>
    IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel);

    /// <summary><c>GET /v1/batches/{id}/agreement</c> over the batch's annotations; statistics that do not apply to the kind are null.</summary>
    BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations);
}

public static class ConsensusKinds
{
    public static IReadOnlyDictionary<string, IConsensusKind> ByKind { get; } =
        new IConsensusKind[] { new ClassificationKind(), new MultilabelKind(), new MeasurementKind(), new BboxKind(), new SegmentationKind() }.ToDictionary(k => k.Kind, StringComparer.Ordinal);

    public static IConsensusKind Of(TaskPolicy policy) =>
        ByKind.TryGetValue(policy.SchemaKind, out var kind)
            ? kind
            : throw new InvalidOperationException($"Consensus cannot decide tasks of kind '{policy.SchemaKind}'.");

    /// <summary>API.md's <c>agreement</c>: the share of the annotations that agree with <paramref name="finalLabel"/> (0 for none).</summary>
    public static double Agreement(this IConsensusKind kind, TaskPolicy policy, IReadOnlyList<JsonElement> payloads, JsonElement finalLabel) =>
        payloads.Count == 0 ? 0 : (double)payloads.Count(p => kind.Agrees(policy, p, finalLabel)) / payloads.Count;

    /// <summary>The batch agreement of a kind without class statistics: only the workers' shares, each annotation judged by the kind's rule.</summary>
    public static BatchAgreementView AgreementByRule(this IConsensusKind kind, TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations) =>
        BatchAgreement.WithoutClassStatistics(alpha: null, annotations, (payload, answer) => kind.Agrees(policy, payload, answer));

    /// <summary>The outcome once the rule has its verdict: accept at redundancy.min or more, else more until redundancy.max, then QA.</summary>
    public static DecisionOutcome Outcome(TaskPolicy policy, int annotationCount, bool meetsThreshold) =>
        annotationCount >= policy.RedundancyMin && meetsThreshold ? DecisionOutcome.Accept
        : annotationCount >= policy.RedundancyMax ? DecisionOutcome.Escalate
        : DecisionOutcome.More;

    public static DecisionPolicy DecisionPolicy(this TaskPolicy policy) =>
        new(policy.RedundancyMin, policy.RedundancyMax, policy.AcceptanceThreshold);
}
