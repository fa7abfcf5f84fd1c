namespace Crowd.Consensus.Engine.Geometry;

/// <summary>
/// One-to-one matching of two sets of boxes: a pair may match when the boxes share a class (and slice) and their IoU is
/// at least the threshold; the result is a matching of the largest size (Kuhn's augmenting paths), so that whether two
/// sets match one to one never depends on the order the boxes were drawn in.
/// </summary>
public static class BoxMatching
{
    public static IReadOnlyList<(int Left, int Right, double IoU)> Match(IReadOnlyList<Box> left, IReadOnlyList<Box> right, double iouThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var iou = new double[left.Count, right.Count];
        for (var i = 0; i < left.Count; i++)
        {
            for (var j = 0; j < right.Count; j++)
            {
                iou[i, j] = string.Equals(left[i].Label, right[j].Label, StringComparison.Ordinal) ? Overlap.IoU(left[i], right[j]) : 0;
            }
        }

        var matchOfRight = Enumerable.Repeat(-1, right.Count).ToArray();
        for (var i = 0; i < left.Count; i++)
        {
            Augment(i, new bool[right.Count]);
        }

        return matchOfRight.Select((i, j) => (Left: i, Right: j)).Where(p => p.Left >= 0)
            .Select(p => (p.Left, p.Right, iou[p.Left, p.Right])).OrderBy(p => p.Left).ToList();

        bool Augment(int i, bool[] seen)
        {
            for (var j = 0; j < right.Count; j++)
            {
                if (seen[j] || !(iou[i, j] >= iouThreshold))
                {
                    continue;
                }

                seen[j] = true;
                if (matchOfRight[j] < 0 || Augment(matchOfRight[j], seen))
                {
                    matchOfRight[j] = i;
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether every box of each set has its own partner in the other.</summary>
    public static bool OneToOne(IReadOnlyList<Box> left, IReadOnlyList<Box> right, double iouThreshold = 0.5) =>
        left.Count == right.Count && Match(left, right, iouThreshold).Count == left.Count;
}
