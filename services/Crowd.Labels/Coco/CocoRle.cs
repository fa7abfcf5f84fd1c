using System.Text.Json.Serialization;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels.Coco;

/// <summary>
/// A COCO uncompressed RLE: <c>{ "size": [h, w], "counts": [...] }</c>.
/// </summary>
/// <remarks>
/// The format, as its sources give it:
/// <list type="bullet">
/// <item>cocodataset.org "Data format" (format-data), object detection: "The segmentation format depends on whether the
/// instance represents a single object (iscrowd=0 in which case polygons are used) or a collection of objects (iscrowd=1
/// in which case RLE is used)."</item>
/// <item>pycocotools <c>mask.py</c> (cocoapi, PythonAPI): "RLE is a simple yet efficient format for storing binary masks.
/// RLE first divides a vector (or vectorized image) into a series of piecewise constant regions and then for each piece
/// simply stores the length of that piece. For example, given M=[0 0 1 1 1 0 1] the RLE counts would be [2 3 1 1], or
/// for M=[1 1 1 1 1 1 0] the counts would be [0 6 1] (note that the odd counts are always the numbers of zeros)." and, of
/// <c>encode</c>: "masks - [hxwxn] binary mask(s) (must have type np.ndarray(dtype=uint8) in column-major order)".</item>
/// <item>pycocotools <c>maskApi.c</c> <c>rleEncode</c> walks the h·w pixels of each mask in that (Fortran) order, starting
/// with a zero run, so the counts sum to h·w and the first count is 0 when the first pixel is foreground.</item>
/// </list>
/// So: the image is read column by column (pixel (x, y) is the (x·h + y)-th), counts alternate background, foreground,
/// background, ..., starting with the background run (0 when pixel (0, 0) is foreground) and ending with the last run.
/// Quoted from memory of those sources (this workplace cannot reach them); the tests check the order with their own decoder.
/// </remarks>
public sealed record CocoRle(
    [property: JsonPropertyName("size")] IReadOnlyList<int> Size,
    [property: JsonPropertyName("counts")] IReadOnlyList<int> Counts);

/// <summary>A mask as a COCO annotation needs it: its RLE, its foreground pixel count, and its tight box [x, y, w, h].</summary>
public sealed record CocoMask(CocoRle Segmentation, long Area, IReadOnlyList<double> Bbox);

/// <summary>API.md's row-major foreground runs to COCO's column-major uncompressed RLE (<c>format=coco</c> exports).</summary>
public static class CocoMasks
{
    /// <summary>
    /// <paramref name="mask"/> as COCO RLE, with its area and tight bounding box ([0, 0, 0, 0] and 0 when empty).
    /// </summary>
    /// <remarks>
    /// Never O(pixels) in memory and rarely in time: each run is cut into row pieces, whose starts and ends are the only
    /// columns where a column's foreground rows can change. Between two such columns every column has the same runs, so a
    /// column's runs are worked out (O(h)) only at those columns and repeated for the ones between. Time
    /// O(pieces·log pieces + changing columns·h + written counts); memory O(pieces + h + counts).
    /// </remarks>
    public static CocoMask Encode(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int width = mask.Width, height = mask.Height;
        var runs = mask.Runs;
        var events = RowPieceEdges(runs, width);
        var counts = new List<int>();
        var rowOn = new bool[height];
        var columnRuns = new List<(int From, int To)>();
        long written = 0;     // pixels (column-major) that the counts so far cover
        long openStart = -1;  // the foreground run being extended, column-major, or -1
        long openEnd = -1;
        var e = 0;
        while (e < events.Length)
        {
            var column = (int)(events[e] >> 32);
            for (; e < events.Length && (int)(events[e] >> 32) == column; e++)
            {
                var edge = events[e] & 0xFFFFFFFF;
                rowOn[(int)(edge >> 1)] = (edge & 1) == 1;
            }

            ColumnRuns(rowOn, columnRuns);
            var next = e < events.Length ? (int)(events[e] >> 32) : width;
            for (var x = column; x < next && columnRuns.Count > 0; x++)
            {
                var at = (long)x * height;
                foreach (var (from, to) in columnRuns)
                {
                    if (at + from == openEnd)
                    {
                        openEnd = at + to; // continues down from the previous column's last row
                        continue;
                    }

                    Close();
                    openStart = at + from;
                    openEnd = at + to;
                }
            }
        }

        Close();
        var total = (long)width * height;
        if (written < total)
        {
            counts.Add((int)(total - written));
        }

        return new CocoMask(new CocoRle([height, width], counts), mask.Area, BoundingBox(runs, width));

        void Close()
        {
            if (openStart < 0)
            {
                return;
            }

            counts.Add((int)(openStart - written));
            counts.Add((int)(openEnd - openStart));
            written = openEnd;
            openStart = openEnd = -1;
        }
    }

    /// <summary>
    /// The tight box [x, y, w, h] of row-major <paramref name="runs"/> in an image <paramref name="width"/> wide, whole
    /// pixels as COCO's <c>toBbox</c> gives them; [0, 0, 0, 0] when there are none.
    /// </summary>
    public static IReadOnlyList<double> BoundingBox(ReadOnlySpan<int> runs, int width)
    {
        if (runs.Length == 0 || width <= 0)
        {
            return [0, 0, 0, 0];
        }

        long left = long.MaxValue, right = long.MinValue;
        for (var r = 0; r < runs.Length; r += 2)
        {
            long first = runs[r], last = (long)runs[r] + runs[r + 1] - 1;
            if (first / width != last / width)
            {
                // A run that wraps a row end covers the last column and, on the next row, the first one.
                left = 0;
                right = width - 1;
                break;
            }

            left = Math.Min(left, first % width);
            right = Math.Max(right, last % width);
        }

        long top = runs[0] / width, bottom = ((long)runs[^2] + runs[^1] - 1) / width;
        return [left, top, right - left + 1, bottom - top + 1];
    }

    /// <summary>
    /// Where each row piece of the runs starts and ends, as sorted keys: column in the high 32 bits, then row·2 + 1 for a
    /// start (the row turns on at that column) or row·2 for an end (off from that column on). Ends at the last column + 1
    /// are left out: no column follows.
    /// </summary>
    private static long[] RowPieceEdges(ReadOnlySpan<int> runs, int width)
    {
        var keys = new List<long>(runs.Length * 2);
        for (var r = 0; r < runs.Length; r += 2)
        {
            long start = runs[r], end = (long)runs[r] + runs[r + 1];
            while (start < end)
            {
                var row = start / width;
                var rowEnd = Math.Min(end, (row + 1) * width);
                keys.Add(((start % width) << 32) | (row * 2 + 1));
                if (rowEnd % width != 0)
                {
                    keys.Add(((rowEnd % width) << 32) | (row * 2));
                }

                start = rowEnd;
            }
        }

        var sorted = keys.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The runs [from, to) of rows that are on, top to bottom.</summary>
    private static void ColumnRuns(bool[] rowOn, List<(int From, int To)> into)
    {
        into.Clear();
        var y = 0;
        while (y < rowOn.Length)
        {
            if (!rowOn[y])
            {
                y++;
                continue;
            }

            var from = y;
            while (y < rowOn.Length && rowOn[y])
            {
                y++;
            }

            into.Add((from, y));
        }
    }
}
