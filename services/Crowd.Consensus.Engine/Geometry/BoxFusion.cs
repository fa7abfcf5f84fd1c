namespace Crowd.Consensus.Engine.Geometry;

/// <summary>A fused box: the member boxes' coordinate-wise median, how many annotators drew it, and their mean IoU with it.</summary>
public sealed record FusedBox(Box Box, int Support, IReadOnlyList<int> Annotators, double MeanIoU);

/// <summary>
/// Box fusion: boxes from different annotators are matched when they share a class (and slice) and their IoU with the
/// group's current fused box is at least the threshold; each annotator contributes at most one box to a group.
/// Deterministic: annotators are taken in the order given, each box joins the best-matching open group.
/// </summary>
public static class BoxFusion
{
    public static IReadOnlyList<FusedBox> Fuse(IReadOnlyList<IReadOnlyList<Box>> boxesByAnnotator, double iouThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(boxesByAnnotator);
        if (!(iouThreshold > 0 && iouThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(iouThreshold), "the IoU threshold must be in (0, 1]");
        }

        var groups = new List<(List<Box> Members, List<int> Annotators, Box Fused)>();
        for (var a = 0; a < boxesByAnnotator.Count; a++)
        {
            // Larger boxes first within an annotator, so a small box cannot take a group a better match needs.
            var boxes = boxesByAnnotator[a].OrderByDescending(b => b.Area).ToList();
            var taken = new HashSet<int>();
            foreach (var box in boxes)
            {
                var best = -1;
                var bestIoU = 0.0;
                for (var g = 0; g < groups.Count; g++)
                {
                    if (taken.Contains(g) || groups[g].Annotators.Contains(a) || !string.Equals(groups[g].Fused.Label, box.Label, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var iou = Overlap.IoU(groups[g].Fused, box);
                    if (iou >= iouThreshold && iou > bestIoU)
                    {
                        best = g;
                        bestIoU = iou;
                    }
                }

                if (best < 0)
                {
                    groups.Add(([box], [a], box));
                    taken.Add(groups.Count - 1);
                }
                else
                {
                    var (members, annotators, _) = groups[best];
                    members.Add(box);
                    annotators.Add(a);
                    groups[best] = (members, annotators, Median(members));
                    taken.Add(best);
                }
            }
        }

        return groups
            .Select(g => new FusedBox(g.Fused, g.Annotators.Count, g.Annotators, g.Members.Average(m => Overlap.IoU(m, g.Fused))))
            .ToList();
    }

    private static Box Median(List<Box> members)
    {
        static double Med(IEnumerable<double> xs) => Measurements.Summary.Median(xs.ToArray());
        var x1 = Med(members.Select(b => b.X));
        var y1 = Med(members.Select(b => b.Y));
        var x2 = Med(members.Select(b => b.X + b.W));
        var y2 = Med(members.Select(b => b.Y + b.H));
        return new Box(members[0].Label, x1, y1, x2 - x1, y2 - y1, members[0].Slice);
    }
}
