using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels.Stitching;

/// <summary>
/// Boxes of overlapping windows or tiles that show one thing become one box (API.md items, bbox): two boxes of one class
/// on one slice (or both without slices) whose intersection covers at least half of the smaller box are replaced by their
/// union's bounding box, again and again until no two boxes merge. Intersection over the smaller box, not IoU: a lesion
/// cut by a tile edge is a small box inside the neighbour's whole one, and must still be one.
/// </summary>
public static class BoxMerge
{
    public const double MinShareOfSmaller = 0.5;

    /// <summary>
    /// The merged boxes, sorted by class (ordinal), slice, x, y, w, h; each one's <see cref="ItemBox.Support"/> the sum of
    /// its members'. Deterministic: the boxes of a group are taken in that same order, and each box absorbs every later one
    /// it overlaps before the next box is looked at; passes repeat until one merges nothing (a grown box may reach an
    /// earlier one). O(n²) per pass over one class and slice, at most n passes.
    /// </summary>
    public static IReadOnlyList<ItemBox> Merge(IEnumerable<ItemBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        var merged = new List<ItemBox>();
        foreach (var group in boxes.GroupBy(b => (b.Label, b.Slice)))
        {
            var list = Sorted(group).ToList();
            bool changed;
            do
            {
                changed = false;
                for (var i = 0; i < list.Count; i++)
                {
                    for (var j = i + 1; j < list.Count; j++)
                    {
                        if (ShareOfSmaller(list[i], list[j]) >= MinShareOfSmaller)
                        {
                            list[i] = list[i].Union(list[j]);
                            list.RemoveAt(j);
                            changed = true;
                            j = i; // list[i] grew: boxes it passed over may reach it now
                        }
                    }
                }
            }
            while (changed);

            merged.AddRange(list);
        }

        return Sorted(merged).ToList();
    }

    /// <summary>The area two boxes share over the smaller one's area (0 for boxes of different slices or without area).</summary>
    public static double ShareOfSmaller(ItemBox a, ItemBox b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var smaller = Math.Min(a.W * a.H, b.W * b.H);
        return a.Slice != b.Slice || smaller <= 0 ? 0 : Planar(a).IntersectionArea(Planar(b)) / smaller;
    }

    /// <summary>The plain 2D IoU of two boxes, whatever their slices (for linking boxes across slices).</summary>
    public static double PlanarIoU(ItemBox a, ItemBox b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Overlap.IoU(Planar(a), Planar(b));
    }

    internal static IOrderedEnumerable<ItemBox> Sorted(IEnumerable<ItemBox> boxes) => boxes
        .OrderBy(b => b.Label, StringComparer.Ordinal).ThenBy(b => b.Slice).ThenBy(b => b.X).ThenBy(b => b.Y).ThenBy(b => b.W).ThenBy(b => b.H);

    /// <summary>The engine's box, on no slice: the geometry is the engine's, the slice rule is the caller's.</summary>
    private static Box Planar(ItemBox box) => new(box.Label, box.X, box.Y, box.W, box.H);
}
