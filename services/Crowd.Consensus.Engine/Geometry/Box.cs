namespace Crowd.Consensus.Engine.Geometry;

/// <summary>An axis-aligned box in pixels as in API.md (<c>x</c>, <c>y</c> top-left; <c>w</c>, <c>h</c> size), with its class and optional slice.</summary>
public readonly record struct Box(string Label, double X, double Y, double W, double H, int? Slice = null)
{
    public double Area => Math.Max(0, W) * Math.Max(0, H);

    /// <summary>Overlap area; boxes on different slices do not overlap.</summary>
    public double IntersectionArea(Box other)
    {
        if (Slice != other.Slice)
        {
            return 0;
        }

        var w = Math.Min(X + W, other.X + other.W) - Math.Max(X, other.X);
        var h = Math.Min(Y + H, other.Y + other.H) - Math.Max(Y, other.Y);
        return w > 0 && h > 0 ? w * h : 0;
    }
}
