namespace Crowd.Labels.Stitching;

/// <summary>
/// Merged boxes become findings (API.md items, bbox). On a series, boxes of one class on consecutive slices, or with one
/// slice between them, whose 2D IoU is ≥ 0.3 are linked, and every connected group of linked boxes is one 3D finding
/// (so a finding may hold two boxes on one slice when a lesion forks). Without slices each box is a finding of its own.
/// </summary>
public static class SeriesFindings
{
    public const double MinIoU = 0.3;

    /// <summary>Slices a finding may skip between two of its boxes (a gap of at most one slice).</summary>
    public const int MaxSkippedSlices = 1;

    /// <summary>
    /// The findings of <paramref name="merged"/> boxes (<see cref="BoxMerge.Merge"/>'s output), sorted by the class's place
    /// in <paramref name="classes"/> (unknown classes last), then first slice, then the box's x and y.
    /// </summary>
    public static IReadOnlyList<Finding> Group(IEnumerable<ItemBox> merged, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(classes);
        var findings = new List<Finding>();
        foreach (var group in merged.GroupBy(b => b.Label, StringComparer.Ordinal))
        {
            var flat = group.Where(b => b.Slice is null).ToList();
            findings.AddRange(flat.Select(b => Of([b])));
            var stacked = BoxMerge.Sorted(group.Where(b => b.Slice is not null)).ToList();
            var parent = Enumerable.Range(0, stacked.Count).ToArray();
            for (var i = 0; i < stacked.Count; i++)
            {
                // Sorted by slice: once a box is too far down the series, so are all after it.
                for (var j = i + 1; j < stacked.Count && stacked[j].Slice - stacked[i].Slice <= MaxSkippedSlices + 1; j++)
                {
                    if (stacked[j].Slice != stacked[i].Slice && BoxMerge.PlanarIoU(stacked[i], stacked[j]) >= MinIoU)
                    {
                        parent[Root(parent, j)] = Root(parent, i);
                    }
                }
            }

            findings.AddRange(Enumerable.Range(0, stacked.Count)
                .GroupBy(i => Root(parent, i))
                .Select(component => Of(component.Select(i => stacked[i]).ToList())));
        }

        return findings
            .OrderBy(f => Rank(classes, f.Label)).ThenBy(f => f.Label, StringComparer.Ordinal)
            .ThenBy(f => f.SliceFrom).ThenBy(f => f.Box.X).ThenBy(f => f.Box.Y)
            .ToList();
    }

    internal static int Rank(IReadOnlyList<string> classes, string label)
    {
        for (var i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return classes.Count;
    }

    /// <summary>One finding of boxes sorted by slice then position.</summary>
    private static Finding Of(List<ItemBox> boxes)
    {
        var union = boxes.Skip(1).Aggregate(boxes[0], (all, box) => all.Union(box));
        return new Finding(
            boxes[0].Label,
            boxes.Min(b => b.Slice),
            boxes.Max(b => b.Slice),
            new FindingBox(union.X, union.Y, union.W, union.H),
            boxes.Select(b => new SliceBox(b.Slice, b.X, b.Y, b.W, b.H)).ToList(),
            boxes.Sum(b => b.Support));
    }

    private static int Root(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }
}
