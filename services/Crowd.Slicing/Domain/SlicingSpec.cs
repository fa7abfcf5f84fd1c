namespace Crowd.Slicing.Domain;

/// <summary>The batch's <c>slicing</c>: <c>per-item</c>, <c>slice-window</c> (window, stride) or <c>tiles</c> (tileSize, overlap).</summary>
public sealed record SlicingSpec
{
    public string? Mode { get; init; }
    public int? Window { get; init; }
    public int? Stride { get; init; }
    public int? TileSize { get; init; }
    public int? Overlap { get; init; }
}
