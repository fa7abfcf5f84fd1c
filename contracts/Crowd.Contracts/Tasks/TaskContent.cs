namespace Crowd.Contracts.Tasks;

/// <summary>The reference to the images a task shows (never pixels): what a worker or a QA reviewer is given to look at.</summary>
public sealed record TaskContent
{
    public required string ContentUri { get; init; }
    public SliceRange? Slice { get; init; }
    public TileRegion? Tile { get; init; }
}
