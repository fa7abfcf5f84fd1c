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
    /// Never decodes pixels. Each run is cut into row pieces; a row turns on at a piece's first column and off after its
    /// last, and those are the only columns where a column's foreground rows change. A column is kept as its sorted
    /// boundaries (the rows where foreground starts or stops), and turning row y on or off flips boundaries y and y + 1, so
    /// the next changing column's boundaries are a linear merge of the last ones with its flips. Columns between two
    /// changing ones repeat the same runs. Time O(runs + rows crossed + columns × runs per column), memory
    /// O(runs + rows crossed + w) besides the counts written; no sort (the pieces are bucketed by column, in row order).
    /// </remarks>
    public static CocoMask Encode(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int width = mask.Width, height = mask.Height;
        var runs = mask.Runs;
        var (firstFlip, flippedRows) = FlipsByColumn(runs, width);
        // Column-major runs are about as many as the flips on most masks: room for that many, so the list rarely grows.
        var counts = new List<int>(flippedRows.Length + 2);
        var boundaries = new List<int>();
        var merged = new List<int>();
        long written = 0;     // pixels (column-major) that the counts so far cover
        long openStart = -1;  // the foreground run being extended, column-major, or -1
        long openEnd = -1;
        var column = 0;
        while (column < width)
        {
            Flip(boundaries, flippedRows.AsSpan(firstFlip[column], firstFlip[column + 1] - firstFlip[column]), merged);
            (boundaries, merged) = (merged, boundaries);
            var next = column + 1;
            while (next < width && firstFlip[next] == firstFlip[next + 1])
            {
                next++;
            }

            for (var x = column; x < next && boundaries.Count > 0; x++)
            {
                var at = (long)x * height;
                for (var b = 0; b < boundaries.Count; b += 2)
                {
                    if (at + boundaries[b] == openEnd)
                    {
                        openEnd = at + boundaries[b + 1]; // continues down from the previous column's last row
                        continue;
                    }

                    Close();
                    openStart = at + boundaries[b];
                    openEnd = at + boundaries[b + 1];
                }
            }

            column = next;
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
    /// The rows that turn on or off at each column: those of column x are <c>rows[first[x] .. first[x + 1])</c>, top to
    /// bottom. A row piece [c0, c1) of row y flips y at c0 and, unless it reaches the last column, at c1. Counted, then
    /// placed (a counting sort): the pieces come row by row, so each column's rows come out sorted.
    /// </summary>
    private static (int[] First, int[] Rows) FlipsByColumn(ReadOnlySpan<int> runs, int width)
    {
        var first = new int[width + 2];
        ForEachPiece(runs, width, (row, from, to) =>
        {
            first[from + 2]++;
            if (to < width)
            {
                first[to + 2]++;
            }
        });
        for (var x = 2; x < first.Length; x++)
        {
            first[x] += first[x - 1];
        }

        // Now first[x + 1] is where column x's rows start. Placing them moves it to where they end, which is where column
        // x + 1's start: after the fill, first[x] .. first[x + 1] are column x's rows.
        var rows = new int[first[^1]];
        ForEachPiece(runs, width, (row, from, to) =>
        {
            rows[first[from + 1]++] = row;
            if (to < width)
            {
                rows[first[to + 1]++] = row;
            }
        });
        return (first, rows);
    }

    private static void ForEachPiece(ReadOnlySpan<int> runs, int width, Action<int, int, int> piece)
    {
        for (var r = 0; r < runs.Length; r += 2)
        {
            long start = runs[r], end = (long)runs[r] + runs[r + 1];
            while (start < end)
            {
                var row = start / width;
                var rowEnd = Math.Min(end, (row + 1) * width);
                piece((int)row, (int)(start % width), (int)(rowEnd - (row * width)));
                start = rowEnd;
            }
        }
    }

    /// <summary>
    /// <paramref name="into"/> := the boundaries after flipping <paramref name="rows"/> (sorted): each flip of row y
    /// toggles boundaries y and y + 1, so the result is the symmetric difference of the sorted lists, merged in one pass.
    /// </summary>
    private static void Flip(List<int> boundaries, ReadOnlySpan<int> rows, List<int> into)
    {
        into.Clear();
        var b = 0;
        var f = 0;
        var pending = -1; // the y + 1 of the last flip, not yet merged
        while (true)
        {
            // The next toggle: the smaller of the pending y + 1 and the next flip's y; equal ones cancel (adjacent flips).
            int toggle;
            if (pending >= 0 && (f >= rows.Length || pending <= rows[f]))
            {
                toggle = pending;
                pending = -1;
                if (f < rows.Length && rows[f] == toggle)
                {
                    pending = rows[f++] + 1;
                    continue;
                }
            }
            else if (f < rows.Length)
            {
                toggle = rows[f];
                pending = rows[f++] + 1;
            }
            else
            {
                break;
            }

            while (b < boundaries.Count && boundaries[b] < toggle)
            {
                into.Add(boundaries[b++]);
            }

            if (b < boundaries.Count && boundaries[b] == toggle)
            {
                b++;
            }
            else
            {
                into.Add(toggle);
            }
        }

        while (b < boundaries.Count)
        {
            into.Add(boundaries[b++]);
        }
    }
}
