using Crowd.Contracts.Tasks;

namespace Crowd.Slicing.Domain;

/// <summary>One task's share of an item: the whole item, a window of a series' slices, or a tile of a large image.</summary>
public sealed record TaskCut(SliceRange? Slice, TileRegion? Tile);

/// <summary>
/// Cuts items into tasks according to the batch's <c>slicing.mode</c>. <see cref="Count"/> says how many tasks
/// <see cref="Cut"/> yields without making one, in 64-bit arithmetic, so a batch is measured before anything is made;
/// <see cref="Cut"/> yields them one at a time, so a big item never sits in memory as a list.
/// </summary>
public static class Slicer
{
    public const string PerItem = "per-item";
    public const string SliceWindow = "slice-window";
    public const string Tiles = "tiles";

    public static readonly string[] Modes = [PerItem, SliceWindow, Tiles];

    /// <summary>How many tasks the item gives; never overflows (at most (2^31)^2 tiles).</summary>
    public static long Count(SlicingPlan plan, int? sliceCount, int? width, int? height) => plan switch
    {
        SliceWindowSlicing w => WindowCount(Required(sliceCount, "sliceCount"), w.Window, w.Stride),
        TileSlicing t => Grid(Required(width, "width"), Required(height, "height"), t) is var (columns, rows) ? checked(columns * rows) : 0,
        _ => 1,
    };

    /// <summary>Tiles across and down the image: each factor of <see cref="Count"/> for <c>tiles</c>.</summary>
    public static (long Columns, long Rows) Grid(int width, int height, TileSlicing tiles) =>
        (AxisCount(width, tiles.TileSize, tiles.TileSize - tiles.Overlap), AxisCount(height, tiles.TileSize, tiles.TileSize - tiles.Overlap));

    public static IEnumerable<TaskCut> Cut(SlicingPlan plan, int? sliceCount, int? width, int? height) => plan switch
    {
        SliceWindowSlicing w => Windows(Required(sliceCount, "sliceCount"), w.Window, w.Stride),
        TileSlicing t => TileGrid(Required(width, "width"), Required(height, "height"), t.TileSize, t.Overlap),
        _ => [new TaskCut(null, null)],
    };

    /// <summary>
    /// Window starts 0, stride, 2·stride, … below sliceCount, up to the first window that reaches the end. With a stride
    /// wider than the window, slices between windows are skipped, and no window starts past the series.
    /// </summary>
    private static long WindowCount(long sliceCount, long window, long stride) =>
        window >= sliceCount ? 1 : Math.Min(CeilDiv(sliceCount - window, stride) + 1, CeilDiv(sliceCount, stride));

    /// <summary>Positions 0, step, 2·step, … up to the first tile that reaches the far edge.</summary>
    private static long AxisCount(long length, long tileSize, long step) =>
        tileSize >= length ? 1 : CeilDiv(length - tileSize, step) + 1;

    private static long CeilDiv(long numerator, long denominator) => (numerator + denominator - 1) / denominator;

    private static int Required(int? value, string name) =>
        value ?? throw new ArgumentException($"This slicing needs the item's {name}; validation should have refused the item.", name);

    private static IEnumerable<TaskCut> Windows(int sliceCount, int window, int stride)
    {
        for (long from = 0; from < sliceCount; from += stride)
        {
            var to = (int)Math.Min(from + window, sliceCount);
            yield return new TaskCut(new SliceRange((int)from, to), null);
            if (to >= sliceCount)
            {
                yield break;
            }
        }
    }

    private static IEnumerable<TaskCut> TileGrid(int width, int height, int tileSize, int overlap)
    {
        var step = tileSize - overlap;
        for (long y = 0; ; y += step)
        {
            for (long x = 0; ; x += step)
            {
                yield return new TaskCut(null, new TileRegion(
                    (int)x, (int)y, (int)Math.Min(tileSize, width - x), (int)Math.Min(tileSize, height - y)));
                if (x + tileSize >= width)
                {
                    break;
                }
            }

            if (y + tileSize >= height)
            {
                yield break;
            }
        }
    }
}
