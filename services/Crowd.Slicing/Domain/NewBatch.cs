using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Slicing.Domain;

/// <summary>The batch's <c>labelSchema</c>, validated: what each kind needs is present, what it may not have is absent.</summary>
/// <param name="Ordered">Classification only: the classes go from least to most severe (an item's stitched label is its most severe task label).</param>
public sealed record BatchLabelSchema(
    string Kind, IReadOnlyList<string> Classes, string? Unit, double? Min, double? Max, double? Tolerance, double? DiceThreshold,
    bool? Ordered);

/// <summary>An item as the requester submitted it, validated; gold items carry their known answer, any item a model's prediction.</summary>
public sealed record ItemSubmission(
    string ExternalId, string ContentUri, int? SliceCount, int? Width, int? Height, JsonElement? Metadata, bool IsGold, JsonElement? Truth,
    ModelPrediction? Prediction = null);

/// <summary>A <c>POST /v1/batches</c> body once validation has passed: every field the contract requires is present.</summary>
/// <param name="BonusCents">Paid on top of the reward to each annotation that agrees with its task's final label; 0 when the batch has no bonus.</param>
public sealed record BatchSubmission(
    string Name,
    string Modality,
    BatchLabelSchema LabelSchema,
    string? GuidelinesUrl,
    SlicingPlan Slicing,
    int RedundancyMin,
    int RedundancyMax,
    double AcceptanceThreshold,
    long PricePerAnnotationCents,
    long BonusCents,
    IReadOnlyList<string> RequiredQualifications,
    int Priority,
    DateTimeOffset? Deadline,
    string? CallbackUrl,
    double MaxItemSharePerWorker,
    IReadOnlyList<ItemSubmission> Items);

/// <summary>An item with its id and how many tasks it is cut into.</summary>
public sealed record NewItem(Guid ItemId, ItemSubmission Item, int TaskCount);

public sealed record NewTask(Guid TaskId, Guid ItemId, int Position, SliceRange? Slice, TileRegion? Tile, bool IsGold);

/// <summary>
/// A validated batch, counted and priced, ready to be stored. Its tasks are not held: <see cref="Tasks"/> cuts them
/// one at a time as the store writes them, so a batch of a million tasks costs the memory of one.
/// </summary>
public sealed record NewBatch(
    Guid BatchId,
    string RequesterId,
    BatchSubmission Submission,
    int FeeBasisPoints,
    IReadOnlyList<NewItem> Items,
    int TaskCount,
    long MaxCostCents)
{
    /// <summary>The platform fee charged on top of each annotation's reward.</summary>
    public long FeeCentsPerAnnotation => Pricing.FeeCentsPerAnnotation(Submission.PricePerAnnotationCents, FeeBasisPoints);

    /// <summary>The platform fee charged on top of each bonus, as on a reward: the bonus is work paid for like the reward.</summary>
    public long FeeCentsPerBonus => Pricing.FeeCents(Submission.BonusCents, FeeBasisPoints);

    /// <exception cref="OverflowException">
    /// The batch is beyond what validation lets through (more tasks than an int, or a maximum cost beyond a long).
    /// </exception>
    public static NewBatch Create(string requesterId, BatchSubmission submission, int feeBasisPoints)
    {
        var items = submission.Items
            .Select(i => new NewItem(Guid.CreateVersion7(), i, checked((int)Slicer.Count(submission.Slicing, i.SliceCount, i.Width, i.Height))))
            .ToList();
        var taskCount = checked((int)items.Sum(i => (long)i.TaskCount));
        var maxCost = Pricing.MaxCostCents(
            taskCount, submission.RedundancyMax, submission.PricePerAnnotationCents, submission.BonusCents, feeBasisPoints);
        return new NewBatch(Guid.CreateVersion7(), requesterId, submission, feeBasisPoints, items, taskCount, maxCost);
    }

    /// <summary>
    /// The batch's tasks in position order (0, 1, …), cut lazily. Each enumeration makes new task ids: enumerate once,
    /// while storing.
    /// </summary>
    public IEnumerable<NewTask> Tasks()
    {
        var position = 0;
        foreach (var item in Items)
        {
            var size = item.Item;
            foreach (var cut in Slicer.Cut(Submission.Slicing, size.SliceCount, size.Width, size.Height))
            {
                yield return new NewTask(Guid.CreateVersion7(), item.ItemId, position++, cut.Slice, cut.Tile, size.IsGold);
            }
        }
    }
}
