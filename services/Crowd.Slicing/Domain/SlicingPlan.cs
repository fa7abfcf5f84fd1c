namespace Crowd.Slicing.Domain;

/// <summary>A validated <c>slicing</c>: how every item of the batch is cut into tasks.</summary>
public abstract record SlicingPlan
{
    /// <summary>API.md's <c>slicing.mode</c>.</summary>
    public abstract string Mode { get; }
}

/// <summary>One task per item.</summary>
public sealed record PerItemSlicing : SlicingPlan
{
    public override string Mode => Slicer.PerItem;
}

/// <summary>Windows <c>[s, s + window)</c> every <c>stride</c> slices of a series; both at least 1.</summary>
public sealed record SliceWindowSlicing(int Window, int Stride) : SlicingPlan
{
    public override string Mode => Slicer.SliceWindow;
}

/// <summary>Square tiles of <c>tileSize</c> pixels overlapping by <c>overlap</c> (0 ≤ overlap &lt; tileSize).</summary>
public sealed record TileSlicing(int TileSize, int Overlap) : SlicingPlan
{
    public override string Mode => Slicer.Tiles;
}
