using System.Text.Json;

namespace Crowd.Contracts.Tasks;

/// <summary>What consensus needs to decide a task, carried with every annotation so that no message depends on another's arrival.</summary>
public sealed record TaskPolicy
{
    /// <summary><c>classification</c>, <c>multilabel</c>, <c>bbox</c>, <c>segmentation</c> or <c>measurement</c>.</summary>
    public required string SchemaKind { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }
    public required int RedundancyMin { get; init; }
    public required int RedundancyMax { get; init; }
    public required double AcceptanceThreshold { get; init; }
    public required bool IsGold { get; init; }
    /// <summary>The known answer of a gold task (its annotation payload); null for ordinary tasks.</summary>
    public JsonElement? GoldTruth { get; init; }
    /// <summary>Measurement only: the unit of every value (API.md <c>labelSchema.unit</c>); null for other kinds.</summary>
    public string? Unit { get; init; }
    /// <summary>Measurement only: the smallest value accepted, when the schema gives one.</summary>
    public double? Min { get; init; }
    /// <summary>Measurement only: the largest value accepted, when the schema gives one.</summary>
    public double? Max { get; init; }
    /// <summary>Measurement only: how far from the median a value may be and still agree with it, in <see cref="Unit"/>.</summary>
    public double? Tolerance { get; init; }
    /// <summary>Segmentation only: the Dice with the consensus mask an annotation needs, per class, to agree; null for the default 0.8.</summary>
    public double? DiceThreshold { get; init; }
    /// <summary>A model's pre-annotation of the task's item (API.md item <c>prediction</c>); null when the requester gave none.</summary>
    public ModelPrediction? Prediction { get; init; }
}

/// <summary>A model's pre-annotation: a payload of the schema's kind, and the model's own score in [0, 1].</summary>
public sealed record ModelPrediction
{
    /// <summary>
    /// Consensus keeps a model's reliability beside the workers', under this prefix and the model's name; no principal
    /// may have a <c>sub</c> that starts with it (tokens naming one are refused), so no worker can share a model's record.
    /// </summary>
    public const string VoterPrefix = "model:";

    public required string Model { get; init; }
    public required JsonElement Label { get; init; }
    public required double Score { get; init; }
}

/// <summary>One task as assignment's pool needs it: what to show, who may see it, and what it pays.</summary>
public sealed record ReleasedTask
{
    public required Guid TaskId { get; init; }
    /// <summary>The item the task was cut from: the re-identification guard counts a worker's tasks per item.</summary>
    public Guid? ItemId { get; init; }
    /// <summary>How many tasks were cut from that item (the guard's denominator).</summary>
    public int? ItemTaskCount { get; init; }
    public required string ContentUri { get; init; }
    public SliceRange? Slice { get; init; }
    public TileRegion? Tile { get; init; }
    public required TaskPolicy Policy { get; init; }
}

public sealed record SliceRange(int From, int To);

public sealed record TileRegion(int X, int Y, int W, int H);

/// <summary>A chunk of a funded batch's tasks, ready for the worker pool.</summary>
public sealed record TasksReleased
{
    public required Guid BatchId { get; init; }
    /// <summary>The batch's requester (their token's <c>sub</c>): never offered these tasks, whatever other roles they hold.</summary>
    public string? RequesterId { get; init; }
    public required JsonElement LabelSchema { get; init; }
    public string? GuidelinesUrl { get; init; }
    public required IReadOnlyList<string> RequiredQualifications { get; init; }
    public required int Priority { get; init; }
    public required long RewardCents { get; init; }
    /// <summary>
    /// API.md <c>privacy.maxItemSharePerWorker</c> in (0, 1]: no worker is given more than ceil(share × item task count) tasks
    /// of one item; null means 1 (no limit beyond never twice the same task).
    /// </summary>
    public double? MaxItemSharePerWorker { get; init; }
    public required IReadOnlyList<ReleasedTask> Tasks { get; init; }
}

/// <summary>Consensus wants one more annotation of the task than it has asked for so far.</summary>
public sealed record MoreAnnotationsRequested
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required int AnnotationCount { get; init; }
    /// <summary>
    /// Set when consensus revisited the task's final label and disputes it: the pool reopens the task (closed by its
    /// finalization), now at this <see cref="Revision"/>, with room for this many annotations in all
    /// (<c>redundancy.max</c> + 2). Null for a task still collecting.
    /// </summary>
    public int? Budget { get; init; }
    public int Revision { get; init; } = 1;
}

/// <summary>The tasks consensus decided in one transaction, in one message (<see cref="TaskFinalized"/> each).</summary>
public sealed record TasksFinalized
{
    public required IReadOnlyList<TaskFinalized> Tasks { get; init; }
}

/// <summary>
/// The task is decided (a final label, or excluded by QA): assignment closes it to new claims. Sent inside
/// <see cref="TasksFinalized"/>.
/// </summary>
public sealed record TaskFinalized
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    /// <summary>The final label's revision: a pool row reopened at a later revision is not closed by an earlier one arriving late.</summary>
    public int Revision { get; init; } = 1;
}

/// <summary>The crowd did not agree within <c>redundancy.max</c> annotations: the task waits for QA.</summary>
public sealed record TaskEscalated
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required Guid DisagreementId { get; init; }
    public required int AnnotationCount { get; init; }
}

/// <summary>What revisiting a task's label (README, "Revisions") may cost, shared by the price and the pool.</summary>
public static class RevisionBudget
{
    /// <summary>API.md: a disputed task may ask for annotations up to <c>redundancy.max</c> + 2; the escrow holds them.</summary>
    public const int ExtraAnnotations = 2;
}
