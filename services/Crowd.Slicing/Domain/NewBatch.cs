using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Slicing.Api;

namespace Crowd.Slicing.Domain;

public sealed record NewItem(Guid ItemId, string ExternalId, string ContentUri, int? SliceCount, int? Width, int? Height,
    JsonElement? Metadata, bool IsGold, JsonElement? Truth);

public sealed record NewTask(Guid TaskId, Guid ItemId, int Position, SliceRange? Slice, TileRegion? Tile, bool IsGold);

/// <summary>A validated batch, cut into tasks and priced, ready to be stored.</summary>
public sealed record NewBatch(
    Guid BatchId,
    string RequesterId,
    SubmitBatchRequest Request,
    int FeeBasisPoints,
    IReadOnlyList<NewItem> Items,
    IReadOnlyList<NewTask> Tasks,
    long MaxCostCents)
{
    public static NewBatch Create(string requesterId, SubmitBatchRequest request, int feeBasisPoints)
    {
        var items = request.Items!.Concat<ItemSpec>(request.GoldItems ?? [])
            .Select(i => new NewItem(
                Guid.CreateVersion7(), i.ExternalId!, i.ContentUri!, i.SliceCount, i.Width, i.Height, ToJson(i.Metadata),
                IsGold: i is GoldItemSpec, Truth: (i as GoldItemSpec)?.Truth))
            .ToList();

        var tasks = new List<NewTask>();
        foreach (var item in items)
        {
            foreach (var cut in Slicer.Cut(request.Slicing!, item.SliceCount, item.Width, item.Height))
            {
                tasks.Add(new NewTask(Guid.CreateVersion7(), item.ItemId, tasks.Count, cut.Slice, cut.Tile, item.IsGold));
            }
        }

        var maxCost = Pricing.MaxCostCents(tasks.Count, request.Redundancy!.Max!.Value, request.PricePerAnnotationCents!.Value, feeBasisPoints);
        return new NewBatch(Guid.CreateVersion7(), requesterId, request, feeBasisPoints, items, tasks, maxCost);
    }

    private static JsonElement? ToJson(Dictionary<string, JsonElement>? metadata) =>
        metadata is null ? null : JsonSerializer.SerializeToElement(metadata);
}
