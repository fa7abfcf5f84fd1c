using FluentValidation;

namespace Crowd.Labels;

/// <summary>A <c>labelSchema</c> as a request carries it (a batch, a qualification exam); value types nullable so a missing field is named.</summary>
public sealed record LabelSchemaSpec
{
    public string? Kind { get; init; }
    public IReadOnlyList<string>? Classes { get; init; }
    public string? Unit { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    /// <summary>Measurement only: how far from the median a value may be and still agree with it, in <see cref="Unit"/>.</summary>
    public double? Tolerance { get; init; }
    /// <summary>Segmentation only: the Dice with the consensus mask an annotation needs, per class, to agree (default 0.8).</summary>
    public double? DiceThreshold { get; init; }
    /// <summary>Classification only: the classes go from least to most severe (item stitching takes the most severe).</summary>
    public bool? Ordered { get; init; }
}

/// <summary>
/// What a <c>labelSchema</c> of each kind must hold, for every request that defines one (slicing's batches, assignment's
/// qualification exams): the one place the kinds' schema rules live. A new kind (bbox,
/// segmentation) is one more entry here and one more payload shape in <see cref="LabelPayloads"/>.
/// </summary>
public static class LabelSchemaRules
{
    public static IReadOnlyDictionary<string, IValidator<LabelSchemaSpec>> ByKind { get; } = new Dictionary<string, IValidator<LabelSchemaSpec>>(StringComparer.Ordinal)
    {
        [LabelPayloads.Classification] = new ClassesRules(),
        [LabelPayloads.Multilabel] = new ClassesRules(),
        [LabelPayloads.Measurement] = new MeasurementRules(),
        [LabelPayloads.Bbox] = new ClassesRules(),
        [LabelPayloads.Segmentation] = new SegmentationRules(),
    };

    /// <summary>The rules of <paramref name="kind"/>; none for an unknown kind, which the kind's own rule reports.</summary>
    public static IValidator<LabelSchemaSpec> For(string? kind) => kind is not null && ByKind.TryGetValue(kind, out var rules) ? rules : new InlineValidator<LabelSchemaSpec>();

    /// <summary>The schema as payloads are checked against it, or null while it is itself invalid (then only its own errors are reported).</summary>
    public static LabelSchema? Sound(LabelSchemaSpec? spec) =>
        spec is { Kind: { } kind } && ByKind.TryGetValue(kind, out var rules) && rules.Validate(spec).IsValid
            ? new LabelSchema(kind, spec.Classes ?? [], spec.Unit, spec.Min, spec.Max, spec.Ordered ?? false, spec.Tolerance, spec.DiceThreshold)
            : null;

    /// <summary>Classification, multilabel and bbox: a list of distinct class names.</summary>
    private class ClassesRules : AbstractValidator<LabelSchemaSpec>
    {
        public ClassesRules()
        {
            RuleFor(s => s.Classes).NotEmpty()
                .Must(classes => classes!.Count <= 100).WithMessage("At most 100 classes.")
                .Must(classes => classes!.Distinct(StringComparer.Ordinal).Count() == classes!.Count).WithMessage("Classes must be distinct.");
            RuleForEach(s => s.Classes).NotEmpty().MaximumLength(100);
        }
    }

    /// <summary>
    /// Measurement: a unit, an optional range and an optional tolerance. Without a tolerance only values equal to the
    /// median agree with it (tolerance 0): how close is close enough is the requester's call, and consensus must not
    /// accept a spread nobody approved; such tasks go to QA instead.
    /// </summary>
    private sealed class MeasurementRules : AbstractValidator<LabelSchemaSpec>
    {
        public MeasurementRules()
        {
            RuleFor(s => s.Unit).NotEmpty().MaximumLength(40);
            RuleFor(s => s.Classes).Empty().WithMessage("A measurement has no classes.");
            RuleFor(s => s.Max).GreaterThan(s => s.Min!.Value).When(s => s.Min is not null && s.Max is not null)
                .WithMessage("Must be greater than labelSchema.min.");
            RuleFor(s => s.Tolerance).GreaterThan(0).When(s => s.Tolerance is not null);
        }
    }

    /// <summary>Segmentation: classes, and the Dice an annotation needs with the consensus mask to agree, in (0, 1] (default 0.8).</summary>
    private sealed class SegmentationRules : ClassesRules
    {
        public SegmentationRules() =>
            RuleFor(s => s.DiceThreshold).GreaterThan(0).LessThanOrEqualTo(1).When(s => s.DiceThreshold is not null);
    }
}
