using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>
/// A binary mask per class and slice (API.md: "per-pixel consensus; agreement is the mean pairwise Dice coefficient"). Per
/// class (and slice, on a series: each slice someone drew on is voted on its own), the consensus mask is the engine's per-pixel <see cref="MaskFusion.MajorityVote"/> (more than half; a class an annotator
/// left without a mask counts as empty). An annotation agrees when, for every class, its Dice with the consensus mask is
/// ≥ the schema's <c>diceThreshold</c> (default 0.8; two empty masks have Dice 1), on every slice. Accepted once there are
/// redundancy.min annotations and the agreeing share is ≥ the threshold; else more until redundancy.max; then QA. The
/// final label holds the non-empty consensus masks; <c>confidence</c> is the agreeing share; <c>agreement</c> the mean
/// pairwise Dice, averaged over the classes (and slices) someone marked (1 when nobody marked anything).
/// </summary>
/// <remarks>
/// The item's size is not known to consensus, so the task's size is the one most of its masks have (the first such on a
/// tie); a mask of another size is not a drawing of this image: it is left out of the vote and never agrees. Masks teach
/// no one-coin reliability: a boundary a few pixels off is not a wrong class.
/// </remarks>
public sealed class SegmentationKind : IConsensusKind
{
    public const double DefaultDiceThreshold = LabelAgreement.DefaultDiceThreshold;

    public string Kind => LabelPayloads.Segmentation;

    public KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf)
    {
        var masks = annotations.Select(a => MaskShape.Masks(a.Payload)).ToList();
        var size = masks.SelectMany(m => m.Values).GroupBy(m => (m.Width, m.Height)).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        var empty = new RleMask(size.Width, size.Height, []);
        var consensus = new List<KeyValuePair<MaskKey, RleMask>>();
        var dice = new List<double>();
        foreach (var key in Keys(policy, masks))
        {
            var drawn = masks.Select(m => m.TryGetValue(key, out var mask) && mask.Width == size.Width && mask.Height == size.Height ? mask : empty).ToList();
            var voted = MaskFusion.MajorityVote(drawn);
            if (voted.Area > 0)
            {
                consensus.Add(new(key, voted));
            }

            if (drawn.Any(m => m.Area > 0))
            {
                dice.Add(Overlap.MeanPairwiseDice(drawn));
            }
        }

        var final = MaskShape.Payload(consensus);
        var share = this.Agreement(policy, annotations.Select(a => a.Payload).ToList(), final);
        return new KindDecision(
            ConsensusKinds.Outcome(policy, annotations.Count, share >= policy.AcceptanceThreshold), final, share, dice.Count == 0 ? 1 : dice.Average());
    }

    public bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        LabelAgreement.MasksMatch(policy.Classes, payload, finalLabel, policy.DiceThreshold ?? DefaultDiceThreshold);

    private static IEnumerable<MaskKey> Keys(TaskPolicy policy, IEnumerable<IReadOnlyDictionary<MaskKey, RleMask>> masks) =>
        LabelAgreement.MaskKeys(policy.Classes, masks);

    /// <summary>Right or wrong as a whole, by <see cref="Agrees"/> (its masks against the final masks at the schema's Dice threshold).</summary>
    public IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        [ReliabilityLesson.RightOrWrong(Agrees(policy, payload, finalLabel))];

    public BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations) => this.AgreementByRule(policy, annotations);
}
