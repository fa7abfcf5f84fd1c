using Crowd.Labels;
using Crowd.ServiceDefaults.Validation;
using Crowd.Slicing.Domain;
using FluentValidation;

namespace Crowd.Slicing.Api;

public sealed class SubmitBatchValidator : AbstractValidator<SubmitBatchRequest>
{
    public const int MaxItems = 50_000;

    public SubmitBatchValidator()
    {
        RuleFor(b => b.Name).NotEmpty().MaximumLength(200);
        RuleFor(b => b.Modality).NotEmpty().MaximumLength(40);
        RuleFor(b => b.LabelSchema).NotNull().DependentRules(() =>
        {
            RuleFor(b => b.LabelSchema!.Kind).NotEmpty()
                .Must(kind => LabelSchemaRules.ByKind.ContainsKey(kind!))
                .WithMessage($"Must be one of: {string.Join(", ", LabelSchemaRules.ByKind.Keys)}.");
            RuleFor(b => b.LabelSchema!).SetValidator((_, schema) => LabelSchemaRules.For(schema.Kind));
        });
        RuleFor(b => b.GuidelinesUrl).Must(BeAbsoluteUri!).When(b => b.GuidelinesUrl is not null).WithMessage("Must be an absolute URL.");
        RuleFor(b => b.CallbackUrl).Must(BeAbsoluteUri!).When(b => b.CallbackUrl is not null).WithMessage("Must be an absolute URL.");
        RuleFor(b => b.Slicing).NotNull().SetValidator(new SlicingValidator());
        RuleFor(b => b.Redundancy).NotNull().DependentRules(() =>
        {
            RuleFor(b => b.Redundancy!.Min).NotNull().InclusiveBetween(1, 15);
            RuleFor(b => b.Redundancy!.Max).NotNull().InclusiveBetween(1, 15)
                .GreaterThanOrEqualTo(b => b.Redundancy!.Min ?? 1).WithMessage("Must be at least redundancy.min.");
        });
        RuleFor(b => b.Acceptance).NotNull().DependentRules(() =>
            RuleFor(b => b.Acceptance!.Threshold).NotNull().GreaterThan(0).LessThanOrEqualTo(1));
        RuleFor(b => b.PricePerAnnotationCents).NotNull().InclusiveBetween(1, 1_000_000);
        RuleForEach(b => b.RequiredQualifications).NotEmpty().MaximumLength(64);
        RuleFor(b => b.Priority).InclusiveBetween(-1000, 1000);
        RuleFor(b => b.Deadline).GreaterThan(_ => DateTimeOffset.UtcNow).When(b => b.Deadline is not null).WithMessage("Must be in the future.");

        RuleFor(b => b.Items).NotEmpty()
            .Must(items => items!.Count <= MaxItems).WithMessage($"At most {MaxItems} items per batch.")
            .Must((batch, items) => ExternalIds(batch).Distinct(StringComparer.Ordinal).Count() == ExternalIds(batch).Count())
            .WithMessage("Each externalId must be unique within the batch, gold items included.");
        // Every bad item and every PHI key is reported, not only the first.
        RuleForEach(b => b.Items).Cascade(CascadeMode.Continue).SetValidator(new ItemValidator());
        RuleForEach(b => b.Items).Must((batch, item) => FitsSlicing(batch.Slicing, item))
            .WithMessage(b => SlicingNeeds(b.Slicing));

        RuleForEach(b => b.GoldItems).Cascade(CascadeMode.Continue).SetValidator(new ItemValidator());
        RuleForEach(b => b.GoldItems).ChildRules(gold => gold.RuleFor(g => g.Truth).NotNull());
        // A gold answer is checked as a worker's annotation would be, once the schema itself is sound.
        RuleForEach(b => b.GoldItems).Custom((gold, context) =>
        {
            if (LabelSchemaRules.Sound(context.InstanceToValidate.LabelSchema) is { } schema
                && LabelPayloads.Misfit(schema, gold.Truth, "truth") is var (field, message))
            {
                context.AddFailure(field, message); // FluentValidation puts goldItems[i] in front
            }
        });
        RuleForEach(b => b.GoldItems).Must((batch, gold) => FitsSlicing(batch.Slicing, gold))
            .WithMessage(b => SlicingNeeds(b.Slicing));
    }

    private static IEnumerable<string?> ExternalIds(SubmitBatchRequest batch) =>
        (batch.Items ?? []).Select(i => i.ExternalId).Concat((batch.GoldItems ?? []).Select(g => g.ExternalId));

    private static bool BeAbsoluteUri(string value) => Uri.TryCreate(value, UriKind.Absolute, out _);

    private static bool FitsSlicing(SlicingSpec? slicing, ItemSpec item) => slicing?.Mode switch
    {
        Slicer.SliceWindow => item.SliceCount is > 0,
        Slicer.Tiles => item.Width is > 0 && item.Height is > 0,
        _ => true,
    };

    private static string SlicingNeeds(SlicingSpec? slicing) => slicing?.Mode == Slicer.Tiles
        ? "Tiles slicing needs width and height on every item."
        : "Slice-window slicing needs sliceCount on every item.";

    /// <summary>What every item needs, gold items included.</summary>
    private sealed class ItemValidator : AbstractValidator<ItemSpec>
    {
        public ItemValidator()
        {
            RuleFor(i => i.ExternalId).NotEmpty().MaximumLength(200);
            RuleFor(i => i.ContentUri).NotEmpty().Must(BeAbsoluteUri!).WithMessage("Must be an absolute URI.");
            RuleFor(i => i.SliceCount).GreaterThan(0);
            RuleFor(i => i.Width).GreaterThan(0);
            RuleFor(i => i.Height).GreaterThan(0);
            RuleForEach(i => i.Metadata).Cascade(CascadeMode.Continue).Must(entry => !Phi.IsPatientIdentifying(entry.Key))
                .WithMessage((_, entry) => $"Metadata key '{entry.Key}' names a patient-identifying DICOM attribute; remove it.")
                .WithErrorCode(ValidationFilter.Unprocessable);
        }
    }

    private sealed class SlicingValidator : AbstractValidator<SlicingSpec?>
    {
        public SlicingValidator()
        {
            RuleFor(s => s!.Mode).NotEmpty().Must(m => m is Slicer.PerItem or Slicer.SliceWindow or Slicer.Tiles)
                .WithMessage($"Must be one of: {Slicer.PerItem}, {Slicer.SliceWindow}, {Slicer.Tiles}.");
            When(s => s!.Mode == Slicer.SliceWindow, () =>
            {
                RuleFor(s => s!.Window).NotNull().InclusiveBetween(1, 10_000);
                RuleFor(s => s!.Stride).NotNull().InclusiveBetween(1, 10_000);
            });
            When(s => s!.Mode == Slicer.Tiles, () =>
            {
                RuleFor(s => s!.TileSize).NotNull().InclusiveBetween(16, 100_000);
                RuleFor(s => s!.Overlap).GreaterThanOrEqualTo(0).LessThan(s => s!.TileSize ?? int.MaxValue);
            });
        }
    }
}
