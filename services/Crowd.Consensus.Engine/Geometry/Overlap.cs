namespace Crowd.Consensus.Engine.Geometry;

/// <summary>
/// Dice and IoU for masks and boxes. Convention: two empty masks (or two zero-area boxes) agree perfectly, Dice = IoU = 1,
/// because both annotators said "nothing here"; one empty and one non-empty give 0.
/// </summary>
public static class Overlap
{
    public static double Dice(RleMask a, RleMask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.RequireSameSize(b);
        var total = a.Area + b.Area;
        return total == 0 ? 1.0 : 2.0 * a.IntersectionArea(b) / total;
    }

    public static double IoU(RleMask a, RleMask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shared = a.IntersectionArea(b);
        var union = a.Area + b.Area - shared;
        return union == 0 ? 1.0 : (double)shared / union;
    }

    public static double IoU(Box a, Box b)
    {
        var shared = a.IntersectionArea(b);
        var union = a.Area + b.Area - shared;
        return union <= 0 ? 1.0 : shared / union;
    }

    public static double Dice(Box a, Box b)
    {
        var total = a.Area + b.Area;
        return total <= 0 ? 1.0 : 2 * a.IntersectionArea(b) / total;
    }

    /// <summary>Mean Dice over all pairs of masks (API.md's segmentation <c>agreement</c>); 1 for fewer than two masks.</summary>
    public static double MeanPairwiseDice(IReadOnlyList<RleMask> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var sum = 0.0;
        var pairs = 0;
        for (var i = 0; i < masks.Count; i++)
        {
            for (var j = i + 1; j < masks.Count; j++)
            {
                sum += Dice(masks[i], masks[j]);
                pairs++;
            }
        }

        return pairs == 0 ? 1.0 : sum / pairs;
    }
}
