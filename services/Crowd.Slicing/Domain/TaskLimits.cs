namespace Crowd.Slicing.Domain;

/// <summary>An item, by its place in the request's <c>items</c> or <c>goldItems</c>, that would give more tasks than one item may.</summary>
/// <param name="Fields">The item's fields that make it too big: <c>sliceCount</c>, or <c>width</c> and/or <c>height</c>.</param>
public sealed record ItemOverLimit(bool IsGold, int Index, long TaskCount, IReadOnlyList<string> Fields);

/// <summary>What the limits say about a batch: the items over the per-item limit, and the batch's task count.</summary>
/// <param name="TaskCount">Every task of the batch, gold included; <see cref="long.MaxValue"/> when it does not even fit a long.</param>
public sealed record TaskCountCheck(IReadOnlyList<ItemOverLimit> ItemsOverLimit, long TaskCount, bool BatchOverLimit);

/// <summary>
/// API.md "Limits": at most <see cref="PerItem"/> tasks from one item and <see cref="PerBatch"/> from one batch. Counted
/// with <see cref="Slicer.Count"/> before any task exists, so a refusal costs microseconds per item whatever the numbers.
/// </summary>
public sealed record TaskLimits(int PerItem, int PerBatch)
{
    public TaskCountCheck Check(SlicingPlan plan, IEnumerable<(bool IsGold, int Index, int? SliceCount, int? Width, int? Height)> items)
    {
        var over = new List<ItemOverLimit>();
        long total = 0;
        foreach (var (isGold, index, sliceCount, width, height) in items)
        {
            var count = Slicer.Count(plan, sliceCount, width, height);
            if (count > PerItem)
            {
                over.Add(new ItemOverLimit(isGold, index, count, Culprits(plan, width, height)));
            }

            total = count > long.MaxValue - total ? long.MaxValue : total + count;
        }

        return new TaskCountCheck(over, total, total > PerBatch);
    }

    /// <summary>For tiles, the side that alone is too long, or both when only their product is.</summary>
    private string[] Culprits(SlicingPlan plan, int? width, int? height)
    {
        if (plan is not TileSlicing tiles)
        {
            return ["sliceCount"];
        }

        var (columns, rows) = Slicer.Grid(width ?? 1, height ?? 1, tiles);
        string[] alone = [.. columns > PerItem ? ["width"] : Array.Empty<string>(), .. rows > PerItem ? ["height"] : Array.Empty<string>()];
        return alone.Length > 0 ? alone : ["width", "height"];
    }
}
