using System.Text.Json;
using Crowd.Labels;

namespace Crowd.Slicing.Api;

// Request shapes of POST /v1/batches. Value types are nullable so that a missing field is reported by the
// validator by name, rather than silently becoming 0.

public sealed record SubmitBatchRequest
{
    public string? Name { get; init; }
    public string? Modality { get; init; }
    public LabelSchemaSpec? LabelSchema { get; init; }
    public string? GuidelinesUrl { get; init; }
    public SlicingSpec? Slicing { get; init; }
    public RedundancySpec? Redundancy { get; init; }
    public AcceptanceSpec? Acceptance { get; init; }
    public long? PricePerAnnotationCents { get; init; }
    public IReadOnlyList<string>? RequiredQualifications { get; init; }
    public PrivacySpec? Privacy { get; init; }
    public BonusSpec? Bonus { get; init; }
    public int? Priority { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public string? CallbackUrl { get; init; }
    public IReadOnlyList<ItemSpec>? Items { get; init; }
    public IReadOnlyList<GoldItemSpec>? GoldItems { get; init; }
}

/// <summary>The batch's <c>slicing</c>: <c>per-item</c>, <c>slice-window</c> (window, stride) or <c>tiles</c> (tileSize, overlap).</summary>
public sealed record SlicingSpec
{
    public string? Mode { get; init; }
    public int? Window { get; init; }
    public int? Stride { get; init; }
    public int? TileSize { get; init; }
    public int? Overlap { get; init; }
}

/// <summary>The batch's <c>privacy</c>: the share of one item's tasks a single worker may be given, in (0, 1] (default 1).</summary>
public sealed record PrivacySpec
{
    public double? MaxItemSharePerWorker { get; init; }
}

/// <summary>The batch's <c>bonus</c>: <c>cents</c> paid on top of the reward to each annotation that agrees with its task's final label.</summary>
public sealed record BonusSpec
{
    public long? Cents { get; init; }

    /// <summary>When the bonus is earned; only <c>agrees-with-final</c> (the default) is defined.</summary>
    public string? When { get; init; }
}

public sealed record RedundancySpec
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

public sealed record AcceptanceSpec
{
    public double? Threshold { get; init; }
}

public record ItemSpec
{
    public string? ExternalId { get; init; }
    public string? ContentUri { get; init; }
    public int? SliceCount { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public Dictionary<string, JsonElement>? Metadata { get; init; }
    public PredictionSpec? Prediction { get; init; }
}

/// <summary>A model's pre-annotation of an item (API.md item <c>prediction</c>).</summary>
public sealed record PredictionSpec
{
    public string? Model { get; init; }
    public JsonElement? Label { get; init; }
    public double? Score { get; init; }
}

/// <summary>An item like any other, plus the answer it is known to have.</summary>
public sealed record GoldItemSpec : ItemSpec
{
    public JsonElement? Truth { get; init; }
}
