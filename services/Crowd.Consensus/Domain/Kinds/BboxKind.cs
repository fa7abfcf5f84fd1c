using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>
/// Boxes (API.md: "boxes matched across annotators by IoU ≥ 0.5"). The annotators' boxes are fused by the engine's
/// <see cref="BoxFusion"/> (same class and slice, IoU ≥ 0.5 with the group's median box, one box per annotator per group);
/// a fused box is in the final label when a majority of the task's annotators drew it (support &gt; half). An annotation
/// agrees with the final label when its boxes and the final boxes match one to one (same class and slice, IoU ≥ 0.5).
/// Accepted once there are redundancy.min annotations and the agreeing share is ≥ the threshold; else one more until
/// redundancy.max; then QA. <c>confidence</c> is that share; <c>agreement</c> is the mean IoU of the final boxes' member
/// boxes with them, or, when the final label has no boxes, the agreeing share (1 when nobody drew anything).
/// </summary>
/// <remarks>
/// Boxes teach no one-coin reliability: that accuracy is the chance of naming the right class, and a box that misses
/// by a few pixels is not a wrong class.
/// </remarks>
public sealed class BboxKind : IConsensusKind
{
    public const double MatchIoU = LabelAgreement.BoxMatchIoU;

    public string Kind => LabelPayloads.Bbox;

    public KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf)
    {
        var fused = BoxFusion.Fuse(annotations.Select(a => BoxShape.Boxes(a.Payload)).ToList(), MatchIoU)
            .Where(f => 2 * f.Support > annotations.Count)
            .ToList();
        var final = BoxShape.Payload(fused.Select(f => (f.Box, (int?)f.Support)));
        var share = this.Agreement(policy, annotations.Select(a => a.Payload).ToList(), final);
        var agreement = fused.Count == 0 ? share : fused.Sum(f => f.MeanIoU * f.Support) / fused.Sum(f => f.Support);
        return new KindDecision(ConsensusKinds.Outcome(policy, annotations.Count, share >= policy.AcceptanceThreshold), final, share, agreement);
    }

    public bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        LabelAgreement.BoxesMatch(payload, finalLabel);

    /// <summary>Right or wrong as a whole, by <see cref="Agrees"/> (its boxes matched one to one with the final boxes at the schema's IoU threshold).</summary>
    public IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        [ReliabilityLesson.RightOrWrong(Agrees(policy, payload, finalLabel))];

    public BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations) => this.AgreementByRule(policy, annotations);
}
