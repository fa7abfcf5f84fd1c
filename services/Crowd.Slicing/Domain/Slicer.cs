using Crowd.Contracts.Tasks;

namespace Crowd.Slicing.Domain;

/// <summary>One task's share of an item: the whole item, a window of a series' slices, or a tile of a large image.</summary>
public sealed record TaskCut(SliceRange? Slice, TileRegion? Tile);

/// <summary>Cuts items into tasks according to the batch's <c>slicing.mode</c>.</summary>
public static class Slicer
{
    public const string PerItem = "per-item";
    public const string SliceWindow = "slice-window";
    public const string Tiles = "tiles";

    public static IReadOnlyList<TaskCut> Cut(SlicingSpec slicing, int? sliceCount, int? width, int? height) => slicing.Mode switch
    {
        SliceWindow => Windows(sliceCount ?? 1, slicing.Window!.Value, slicing.Stride!.Value),
        Tiles => TileGrid(width!.Value, height!.Value, slicing.TileSize!.Value, slicing.Overlap ?? 0),
        _ => [new TaskCut(null, null)],
    };

    /// <summary>Windows <c>[s, s + window)</c> every <c>stride</c> slices; the last one is clipped to the series.</summary>
    private static List<TaskCut> Windows(int sliceCount, int window, int stride)
    {
        var cuts = new List<TaskCut>();
        for (var from = 0; ; from += stride)
        {
            var to = Math.Min(from + window, sliceCount);
            cuts.Add(new TaskCut(new SliceRange(from, to), null));
            if (to >= sliceCount)
            {
                return cuts;
            }
        }
    }

    private static List<TaskCut> TileGrid(int width, int height, int tileSize, int overlap)
    {
        var step = tileSize - overlap;
        var cuts = new List<TaskCut>();
        for (var y = 0; y < height; y += step)
        {
            for (var x = 0; x < width; x += step)
            {
                cuts.Add(new TaskCut(null, new TileRegion(x, y, Math.Min(tileSize, width - x), Math.Min(tileSize, height - y))));
                if (x + tileSize >= width)
                {
                    break;
                }
            }

            if (y + tileSize >= height)
            {
                break;
            }
        }

        return cuts;
    }
}
