using Crowd.Consensus.Engine.Geometry;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels.Stitching;

/// <summary>
/// Task coordinates to item coordinates (API.md "Coordinates inside a task"): slice indexes are absolute already; a tile
/// task's pixels are counted from the tile's top-left corner, so the tile's offset is added.
/// </summary>
public static class TaskToItem
{
    /// <summary>A task's box in item pixels: moved by the tile's offset on a tile task, as it is otherwise.</summary>
    public static ItemBox Box(Box box, TileRegion? tile) =>
        new(box.Label, box.Slice, box.X + (tile?.X ?? 0), box.Y + (tile?.Y ?? 0), box.W, box.H, 1);

    /// <summary>
    /// <paramref name="mask"/> (its own width and height, row-major runs) placed with its top-left corner at
    /// (<paramref name="offsetX"/>, <paramref name="offsetY"/>) into an empty <paramref name="width"/> ×
    /// <paramref name="height"/> mask; what falls outside is clipped. Each run is cut at the mask's row ends, so the work is
    /// O(runs + rows the runs cross), never O(pixels).
    /// </summary>
    public static RleMask Place(RleMask mask, int offsetX, int offsetY, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if ((long)width * height > int.MaxValue)
        {
            // Run starts are ints (API.md's rle); a larger item's masks cannot be written as one payload.
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}×{height} mask has more pixels than a run start can index.");
        }

        var runs = mask.Runs;
        var placed = new List<int>(runs.Length);
        var sourceWidth = mask.Width;
        for (var r = 0; r < runs.Length; r += 2)
        {
            long start = runs[r], end = (long)runs[r] + runs[r + 1];
            while (start < end)
            {
                var row = start / sourceWidth;
                var column = start % sourceWidth;
                var rowEnd = Math.Min(end, (row + 1) * sourceWidth);
                long y = offsetY + row;
                long left = Math.Max(0, offsetX + column), right = Math.Min(width, offsetX + column + (rowEnd - start));
                if (y >= 0 && y < height && left < right)
                {
                    placed.Add((int)(y * width + left));
                    placed.Add((int)(right - left));
                }

                start = rowEnd;
            }
        }

        // Rows come in order and each row's pieces left to right, so the runs are sorted; the constructor joins touching ones.
        return new RleMask(width, height, placed);
    }
}
