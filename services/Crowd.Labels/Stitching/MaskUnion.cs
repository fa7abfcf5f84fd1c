using Crowd.Consensus.Engine.Geometry;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels.Stitching;

/// <summary>One task's final mask of one class (and slice), with the tile it was drawn on (null for a whole-item task).</summary>
public sealed record TaskMask(MaskKey Key, RleMask Mask, TileRegion? Tile);

/// <summary>
/// Segmentation items (API.md items): per class and slice, the union of the tasks' final masks placed in item
/// coordinates. A pixel is foreground when any task that saw it marked it: overlapping tiles or windows each decided
/// their own pixels by consensus already.
/// </summary>
public static class MaskUnion
{
    /// <summary>
    /// The non-empty item masks, sorted by the class's place in <paramref name="classes"/>, then slice. Each is the item's
    /// size when the item gives one; else (a whole-item task on an item of unknown size) the size that holds every mask of
    /// its class and slice.
    /// </summary>
    public static IReadOnlyList<ItemMask> Stitch(ItemShape item, IReadOnlyList<string> classes, IEnumerable<TaskMask> masks)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(masks);
        var stitched = new List<ItemMask>();
        foreach (var group in masks.GroupBy(m => m.Key))
        {
            var width = item.Width ?? group.Max(m => (m.Tile?.X ?? 0) + m.Mask.Width);
            var height = item.Height ?? group.Max(m => (m.Tile?.Y ?? 0) + m.Mask.Height);
            var runs = new List<int>();
            foreach (var mask in group)
            {
                runs.AddRange(TaskToItem.Place(mask.Mask, mask.Tile?.X ?? 0, mask.Tile?.Y ?? 0, width, height).Runs);
            }

            // The constructor sorts the runs and joins overlapping and touching ones: that is the union.
            var union = new RleMask(width, height, runs);
            if (union.Area > 0)
            {
                stitched.Add(new ItemMask(group.Key.Label, group.Key.Slice, width, height, union.Runs.ToArray()));
            }
        }

        return stitched
            .OrderBy(m => SeriesFindings.Rank(classes, m.Label)).ThenBy(m => m.Label, StringComparer.Ordinal).ThenBy(m => m.Slice)
            .ToList();
    }
}
