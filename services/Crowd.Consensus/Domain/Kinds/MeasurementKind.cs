using System.Text.Json;
using Crowd.Consensus.Engine.Agreement;
using Crowd.Consensus.Engine.Measurements;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>
/// A number (API.md: "the median, accepted when annotations fall within the schema's tolerance"). The candidate is the
/// median of all the task's values (the engine's <see cref="Summary.Median"/>: the mean of the middle two for an even
/// count); a value agrees with it when |value − median| ≤ tolerance. The task is accepted once it has redundancy.min
/// annotations and the agreeing share is ≥ the threshold; else one more annotation until redundancy.max; then QA.
/// The final label is <c>{ "value": median }</c>; <c>confidence</c> and <c>agreement</c> are both that share.
/// </summary>
/// <remarks>
/// The tolerance comparison is <see cref="LabelAgreement.Within"/> (it allows for binary rounding). A schema without a tolerance has 0: only
/// values equal to the median agree. Measurement tasks teach no reliability: the one-coin accuracy is over classes,
/// and a measurement has none; being within tolerance is not the same evidence as naming the right class.
/// </remarks>
public sealed class MeasurementKind : IConsensusKind
{
    public string Kind => LabelPayloads.Measurement;

    public KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf)
    {
        var values = annotations.Select(a => Value(a.Payload)).ToArray();
        var final = Payload(Summary.Median(values));
        var share = this.Agreement(policy, annotations.Select(a => a.Payload).ToList(), final);
        return new KindDecision(ConsensusKinds.Outcome(policy, values.Length, share >= policy.AcceptanceThreshold), final, share, share);
    }

    public bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        LabelAgreement.Within(Value(payload), Value(finalLabel), policy.Tolerance ?? 0);

    /// <summary>Right or wrong as a whole, by <see cref="Agrees"/> (its value within the schema's tolerance of the final value).</summary>
    public IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        [ReliabilityLesson.RightOrWrong(Agrees(policy, payload, finalLabel))];

    /// <summary>Krippendorff's alpha with the interval metric over the non-gold tasks with two values or more (API.md).</summary>
    public BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations)
    {
        var units = annotations.Where(a => !a.IsGold).GroupBy(a => a.TaskId)
            .Select(task => task.Select(a => Value(a.Read())).ToArray())
            .Where(values => values.Length >= 2)
            .ToList();
        double? alpha = units.Count == 0 ? null : KrippendorffAlpha.FromUnits(units, AlphaMetric.Interval).Alpha;
        return BatchAgreement.WithoutClassStatistics(alpha, annotations, (payload, answer) => Agrees(policy, payload, answer));
    }

    private static JsonElement Payload(double value) => JsonSerializer.SerializeToElement(new { value });

    private static double Value(JsonElement payload) => payload.GetProperty("value").GetDouble();
}
