using System.Text.Json;
using Crowd.Labels;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Validation;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Options;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.Extensions.Options;

namespace Crowd.Slicing.Api;

public sealed class SubmitBatchValidator : AbstractValidator<SubmitBatchRequest>
{
    public const int MaxItems = 50_000;

    /// <summary>The highest price, and the highest bonus, one annotation can carry.</summary>
    public const long MaxCentsPerAnnotation = 1_000_000;

    /// <summary>The one condition a <c>bonus</c> is paid on (API.md).</summary>
    public const string BonusAgreesWithFinal = "agrees-with-final";

    /// <summary>API.md "Limits": an item's <c>metadata</c> is at most 16 KiB as JSON.</summary>
    public const int MaxMetadataBytes = 16 * 1024;

    /// <summary>API.md's limit on any URI (<c>contentUri</c>, <c>guidelinesUrl</c>, <c>callbackUrl</c>).</summary>
    public const int MaxUriLength = 2048;

    public const int MaxRequiredQualifications = 20;

    private readonly TaskLimits _limits;
    private readonly int _feeBasisPoints;

    /// <param name="platform">The operator's limits and fee.</param>
    /// <param name="environment">Production refuses unsafe callbacks (<see cref="ProductionSafety.CallbackRefusal"/>); none: not Production.</param>
    public SubmitBatchValidator(IOptions<PlatformOptions> platform, IHostEnvironment? environment = null)
    {
        var limits = _limits = new TaskLimits(platform.Value.MaxTasksPerItem, platform.Value.MaxTasksPerBatch);
        var feeBasisPoints = _feeBasisPoints = platform.Value.FeeBasisPoints;

        RuleFor(b => b.Name).NotEmpty().MaximumLength(200);
        RuleFor(b => b.Modality).NotEmpty().MaximumLength(40);
        RuleFor(b => b.LabelSchema).NotNull().DependentRules(() =>
        {
            RuleFor(b => b.LabelSchema!.Kind).NotEmpty()
                .Must(kind => LabelSchemaRules.ByKind.ContainsKey(kind!))
                .WithMessage($"Must be one of: {string.Join(", ", LabelSchemaRules.ByKind.Keys)}.");
            RuleFor(b => b.LabelSchema!).SetValidator((_, schema) => LabelSchemaRules.For(schema.Kind));
            // Severity order only means something between classes of which one is chosen.
            RuleFor(b => b.LabelSchema!.Ordered).Null()
                .When(b => b.LabelSchema!.Kind != LabelPayloads.Classification)
                .WithMessage("Only a classification schema can be ordered.")
                .WithErrorCode(ValidationFilter.Unprocessable);
        });
        RuleFor(b => b.GuidelinesUrl).MaximumLength(MaxUriLength).Must(BeAbsoluteUri!).When(b => b.GuidelinesUrl is not null).WithMessage("Must be an absolute URL.");
        RuleFor(b => b.CallbackUrl).MaximumLength(MaxUriLength).Must(BeAbsoluteUri!).When(b => b.CallbackUrl is not null).WithMessage("Must be an absolute URL.")
            .DependentRules(() => RuleFor(b => b.CallbackUrl)
                .Must(url => ProductionSafety.CallbackRefusal(new Uri(url!)) is null)
                .WithMessage(b => ProductionSafety.CallbackRefusal(new Uri(b.CallbackUrl!)))
                .When(b => b.CallbackUrl is not null && environment?.IsProduction() == true));
        RuleFor(b => b.Slicing).NotNull().SetValidator(new SlicingValidator());
        RuleFor(b => b.Redundancy).NotNull().DependentRules(() =>
        {
            RuleFor(b => b.Redundancy!.Min).NotNull().InclusiveBetween(1, 15);
            RuleFor(b => b.Redundancy!.Max).NotNull().InclusiveBetween(1, 15)
                .GreaterThanOrEqualTo(b => b.Redundancy!.Min ?? 1).WithMessage("Must be at least redundancy.min.");
        });
        RuleFor(b => b.Acceptance).NotNull().DependentRules(() =>
            RuleFor(b => b.Acceptance!.Threshold).NotNull().GreaterThan(0).LessThanOrEqualTo(1));
        RuleFor(b => b.PricePerAnnotationCents).NotNull().InclusiveBetween(1, MaxCentsPerAnnotation);
        When(b => b.Bonus is not null, () =>
        {
            RuleFor(b => b.Bonus!.Cents).NotNull().InclusiveBetween(0, MaxCentsPerAnnotation);
            RuleFor(b => b.Bonus!.When).Must(when => when is null or BonusAgreesWithFinal)
                .WithMessage($"Must be {BonusAgreesWithFinal}.");
        });
        RuleFor(b => b.RequiredQualifications).Must(q => q is null || q.Count <= MaxRequiredQualifications)
            .WithMessage($"At most {MaxRequiredQualifications} qualifications.");
        RuleForEach(b => b.RequiredQualifications).NotEmpty().MaximumLength(64);
        RuleFor(b => b.Privacy!.MaxItemSharePerWorker).GreaterThan(0).LessThanOrEqualTo(1)
            .When(b => b.Privacy?.MaxItemSharePerWorker is not null);
        RuleFor(b => b.Priority).InclusiveBetween(-1000, 1000);
        RuleFor(b => b.Deadline).GreaterThan(_ => DateTimeOffset.UtcNow).When(b => b.Deadline is not null).WithMessage("Must be in the future.");

        RuleFor(b => b.Items).NotEmpty()
            .Must(items => items!.Count <= MaxItems).WithMessage($"At most {MaxItems} items per batch.")
            .Must((batch, items) => ExternalIds(batch).Distinct(StringComparer.Ordinal).Count() == ExternalIds(batch).Count())
            .WithMessage("Each externalId must be unique within the batch, gold items included.");
        // Every bad item is reported, not only the first.
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

        // A model's prediction is of a whole item, so only per-item tasks can take it; its label is checked as a worker's
        // annotation would be, once the schema itself is sound.
        RuleForEach(b => b.Items).Custom((item, context) => CheckPrediction(item, context));
        RuleForEach(b => b.GoldItems).Custom((item, context) => CheckPrediction(item, context));

        // Every path that holds PHI is named, in items and gold items alike, keys as the requester spelled them.
        RuleFor(b => b.Items).Custom((_, context) =>
        {
            foreach (var finding in PhiFindings(context.InstanceToValidate))
            {
                context.AddFailure(new ValidationFailure(finding.Path, finding.Reason)
                {
                    ErrorCode = ValidationFilter.Unprocessable, CustomState = ValidationFilter.VerbatimPath,
                });
            }
        });

        // Counted, not cut: a refusal costs the same for 5 million slices as for 5.
        RuleFor(b => b.Slicing).Custom((_, context) =>
        {
            foreach (var failure in TaskCountFailures(context.InstanceToValidate, limits, feeBasisPoints))
            {
                context.AddFailure(failure);
            }
        });
    }

    /// <summary>
    /// A batch over the batch limit is refused on its count alone, before its items are examined one by one: counting
    /// 10,000 items costs microseconds, validating each of them (lengths, metadata, PHI) tens of milliseconds, and the
    /// answer would be the same refusal.
    /// </summary>
    protected override bool PreValidate(ValidationContext<SubmitBatchRequest> context, ValidationResult result)
    {
        var failures = TaskCountFailures(context.InstanceToValidate, _limits, _feeBasisPoints).ToList();
        if (!failures.Any(f => f.PropertyName == "slicing"))
        {
            return true;
        }

        failures.ForEach(result.Errors.Add);
        return false;
    }

    private static IEnumerable<PhiFinding> PhiFindings(SubmitBatchRequest batch)
    {
        IEnumerable<(string List, int Index, ItemSpec Item)> items = [
            .. (batch.Items ?? []).Select((item, i) => ("items", i, item)),
            .. (batch.GoldItems ?? []).Select((gold, i) => ("goldItems", i, (ItemSpec)gold))];
        foreach (var (list, index, item) in items)
        {
            foreach (var (key, value) in item.Metadata ?? [])
            {
                foreach (var finding in Phi.FindInMember($"{list}[{index}].metadata", key, value))
                {
                    yield return finding;
                }
            }
        }
    }

    /// <summary>
    /// The items that would give more tasks than one item may (naming the field that makes each too big), then the
    /// batch if it would give more than a batch may, then a price whose maximum cost does not fit a long. Items whose
    /// own fields are invalid are left to their rules; nothing is counted until the slicing itself is sound.
    /// </summary>
    private static IEnumerable<ValidationFailure> TaskCountFailures(SubmitBatchRequest batch, TaskLimits limits, int feeBasisPoints)
    {
        if (BatchMapping.TryPlan(batch.Slicing) is not { } plan || batch.Items is not { Count: > 0 and <= MaxItems } items)
        {
            yield break;
        }

        var countable = items.Select((item, i) => (IsGold: false, Index: i, Item: item))
            .Concat((batch.GoldItems ?? []).Select((gold, i) => (IsGold: true, Index: i, Item: (ItemSpec)gold)))
            .Where(i => FitsSlicing(batch.Slicing, i.Item) && i.Item is { SliceCount: null or > 0, Width: null or > 0, Height: null or > 0 })
            .Select(i => (i.IsGold, i.Index, i.Item.SliceCount, i.Item.Width, i.Item.Height));
        var check = limits.Check(plan, countable);
        foreach (var item in check.ItemsOverLimit)
        {
            foreach (var field in item.Fields)
            {
                yield return Refused(
                    $"{(item.IsGold ? "goldItems" : "items")}[{item.Index}].{field}",
                    $"This item would be cut into {Tasks(item.TaskCount)}; at most {limits.PerItem:N0} tasks come from one item.");
            }
        }

        if (check.BatchOverLimit)
        {
            yield return Refused("slicing", $"This batch would be cut into {Tasks(check.TaskCount)}; at most {limits.PerBatch:N0} tasks make one batch.");
        }
        else if (check.ItemsOverLimit.Count == 0
            && batch is { Redundancy.Max: int redundancyMax and >= 1 and <= 15, PricePerAnnotationCents: long price and >= 1 }
            && (batch.Bonus?.Cents ?? 0) is var bonus and >= 0
            && Pricing.TryMaxCostCents(check.TaskCount, redundancyMax, price, bonus, feeBasisPoints) is null)
        {
            yield return Refused("pricePerAnnotationCents",
                $"{Tasks(check.TaskCount)} × (redundancy.max {redundancyMax} + {Pricing.RevisitAnnotations}) × ({price} + bonus {bonus}) cents "
                + "plus the platform fee is beyond any escrow.");
        }
    }

    private static string Tasks(long count) => count == long.MaxValue ? "more tasks than can be counted" : $"{count:N0} tasks";

    private static ValidationFailure Refused(string field, string message) => new(field, message) { ErrorCode = ValidationFilter.Unprocessable };

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
    private static void CheckPrediction(ItemSpec item, ValidationContext<SubmitBatchRequest> context)
    {
        if (item.Prediction is not { Label: { } label })
        {
            return;
        }

        var batch = context.InstanceToValidate;
        if (batch.Slicing?.Mode != Slicer.PerItem)
        {
            context.AddFailure("prediction", "A prediction is of a whole item: only per-item slicing takes one.");
        }
        else if (LabelSchemaRules.Sound(batch.LabelSchema) is { } schema && LabelPayloads.Misfit(schema, label, "prediction.label") is var (field, message))
        {
            context.AddFailure(field, message);
        }
    }

    private sealed class ItemValidator : AbstractValidator<ItemSpec>
    {
        public ItemValidator()
        {
            RuleFor(i => i.ExternalId).NotEmpty().MaximumLength(200);
            RuleFor(i => i.ContentUri).NotEmpty().MaximumLength(MaxUriLength).Must(BeAbsoluteUri!).WithMessage("Must be an absolute URI.");
            RuleFor(i => i.SliceCount).GreaterThan(0);
            RuleFor(i => i.Width).GreaterThan(0);
            RuleFor(i => i.Height).GreaterThan(0);
            RuleFor(i => i.Metadata).Must(m => m is null || JsonSerializer.SerializeToUtf8Bytes(m).Length <= MaxMetadataBytes)
                .WithMessage($"At most {MaxMetadataBytes / 1024} KiB of JSON.");
            RuleFor(i => i.Prediction).ChildRules(prediction =>
            {
                prediction.RuleFor(p => p!.Model).NotEmpty().MaximumLength(100);
                prediction.RuleFor(p => p!.Label).NotNull();
                prediction.RuleFor(p => p!.Score).NotNull().InclusiveBetween(0, 1);
            });
        }
    }

    private sealed class SlicingValidator : AbstractValidator<SlicingSpec?>
    {
        public SlicingValidator()
        {
            RuleFor(s => s!.Mode).NotEmpty().Must(m => Slicer.Modes.Contains(m))
                .WithMessage($"Must be one of: {string.Join(", ", Slicer.Modes)}.");
            When(s => s!.Mode == Slicer.SliceWindow, () =>
            {
                RuleFor(s => s!.Window).NotNull().InclusiveBetween(1, 10_000);
                RuleFor(s => s!.Stride).NotNull().InclusiveBetween(1, 10_000);
            });
            When(s => s!.Mode == Slicer.Tiles, () =>
            {
                RuleFor(s => s!.TileSize).NotNull().InclusiveBetween(16, 100_000);
                RuleFor(s => s!.Overlap).GreaterThanOrEqualTo(0).LessThan(s => s!.TileSize ?? int.MaxValue)
                    .WithMessage("Must be at least 0 and less than slicing.tileSize.");
            });
        }
    }
}
