using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels;

/// <summary>
/// Whether an answer agrees with a reference label of its kind (API.md "Consensus, as users see it"): the one rule per kind
/// that consensus judges annotations by (against the final label) and assignment grades qualification exams by (against
/// the exam item's truth), so a worker is never judged two ways. Both payloads must fit the schema.
/// </summary>
public static class LabelAgreement
{
    /// <summary>Boxes match one to one at this IoU or more (same class and slice).</summary>
    public const double BoxMatchIoU = 0.5;

    /// <summary>A segmentation schema without <c>diceThreshold</c> asks this Dice per class and slice.</summary>
    public const double DefaultDiceThreshold = 0.8;

    /// <summary>The kind's own rule, with the schema's tolerance (measurement) or Dice threshold (segmentation).</summary>
    public static bool Agrees(LabelSchema schema, JsonElement payload, JsonElement reference) => schema.Kind switch
    {
        LabelPayloads.Classification => SameClass(payload, reference),
        LabelPayloads.Multilabel => SameClasses(payload, reference),
        LabelPayloads.Measurement => Within(Value(payload), Value(reference), schema.Tolerance ?? 0),
        LabelPayloads.Bbox => BoxesMatch(payload, reference),
        LabelPayloads.Segmentation => MasksMatch(schema.Classes, payload, reference, schema.DiceThreshold ?? DefaultDiceThreshold),
        _ => throw new ArgumentException($"No agreement rule for kind '{schema.Kind}'.", nameof(schema)),
    };

    /// <summary>Classification: the same class.</summary>
    public static bool SameClass(JsonElement payload, JsonElement reference) =>
        string.Equals(payload.GetProperty("label").GetString(), reference.GetProperty("label").GetString(), StringComparison.Ordinal);

    /// <summary>Multilabel: the same classes, as sets.</summary>
    public static bool SameClasses(JsonElement payload, JsonElement reference) => Labels(payload).SetEquals(Labels(reference));

    /// <summary>
    /// Measurement: |value − reference| ≤ tolerance, allowing a billionth of the reference's magnitude (at least 1e-9) for
    /// binary rounding, so that 1.1 against 1.0 with a tolerance of 0.1 agrees, as the requester means.
    /// </summary>
    public static bool Within(double value, double reference, double tolerance) =>
        Math.Abs(value - reference) <= tolerance + (1e-9 * Math.Max(1, Math.Abs(reference)));

    /// <summary>Bbox: the boxes match one to one (same class and slice, IoU ≥ <see cref="BoxMatchIoU"/>).</summary>
    public static bool BoxesMatch(JsonElement payload, JsonElement reference) =>
        BoxMatching.OneToOne(BoxShape.Boxes(payload), BoxShape.Boxes(reference), BoxMatchIoU);

    /// <summary>
    /// Segmentation: for every class of <paramref name="classes"/> on every slice either payload drew it on, Dice ≥
    /// <paramref name="diceThreshold"/>; a missing mask is empty (Dice 1 with an empty one, else 0), and masks of
    /// different sizes never agree.
    /// </summary>
    public static bool MasksMatch(IReadOnlyList<string> classes, JsonElement payload, JsonElement reference, double diceThreshold)
    {
        var own = MaskShape.Masks(payload);
        var other = MaskShape.Masks(reference);
        return MaskKeys(classes, [own, other]).All(key => (own.GetValueOrDefault(key), other.GetValueOrDefault(key)) switch
        {
            (null, null) => true,
            ({ } mask, null) => mask.Area == 0,
            (null, { } mask) => mask.Area == 0,
            ({ } mask, { } theirs) => mask.Width == theirs.Width && mask.Height == theirs.Height && Overlap.Dice(mask, theirs) >= diceThreshold,
        });
    }

    /// <summary>Each class (in schema order) on each slice anyone drew it on; a class nobody drew is empty everywhere and decides nothing.</summary>
    public static IEnumerable<MaskKey> MaskKeys(IReadOnlyList<string> classes, IEnumerable<IReadOnlyDictionary<MaskKey, RleMask>> masks)
    {
        var drawn = masks.SelectMany(m => m.Keys).Distinct().ToList();
        return classes.SelectMany(name => drawn.Where(k => k.Label == name).OrderBy(k => k.Slice));
    }

    private static double Value(JsonElement payload) => payload.GetProperty("value").GetDouble();

    private static HashSet<string> Labels(JsonElement payload) =>
        payload.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToHashSet(StringComparer.Ordinal);
}
