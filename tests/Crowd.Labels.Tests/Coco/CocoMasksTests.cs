using Crowd.Consensus.Engine.Geometry;
using Crowd.Labels.Coco;
using CsCheck;

namespace Crowd.Labels.Tests.Coco;

/// <summary>
/// API.md's row-major foreground runs to COCO's column-major RLE. Each case is checked twice: against counts worked out by
/// hand below, and pixel by pixel through two decoders written here from the formats' definitions alone (COCO counts read
/// column-major starting with background; API.md runs read row-major as foreground).
/// </summary>
public sealed class CocoMasksTests
{
    // pycocotools mask.py's own examples, as 1-pixel-wide images (a column is then the whole vector):
    // M = [0 0 1 1 1 0 1] → counts [2 3 1 1]; M = [1 1 1 1 1 1 0] → counts [0 6 1].
    [TestCase(1, 7, new[] { 2, 3, 6, 1 }, new[] { 2, 3, 1, 1 })]
    [TestCase(1, 7, new[] { 0, 6 }, new[] { 0, 6, 1 })]
    // 3 wide, 2 high, foreground {1, 3, 4}:   0 1 0 / 1 1 0.   Columns: (0,1) (1,1) (0,0) → 0 1 1 1 0 0 → [1, 3, 2].
    [TestCase(3, 2, new[] { 1, 1, 3, 2 }, new[] { 1, 3, 2 })]
    // The full 3 × 2 mask: the first (background) count is 0.
    [TestCase(3, 2, new[] { 0, 6 }, new[] { 0, 6 })]
    // The empty 3 × 2 mask: one background run.
    [TestCase(3, 2, new int[0], new[] { 6 })]
    // A 3 × 3 ring with a hole at the centre (pixel 4): columns (1,1,1) (1,0,1) (1,1,1) → [0, 4, 1, 4].
    [TestCase(3, 3, new[] { 0, 4, 5, 4 }, new[] { 0, 4, 1, 4 })]
    // 4 × 3, one run wrapping from row 0 into row 1, pixels {2, 3, 4, 5}:   0 0 1 1 / 1 1 0 0 / 0 0 0 0.
    // Columns (0,1,0) (0,1,0) (1,0,0) (1,0,0) → 0 1 0 0 1 0 1 0 0 1 0 0 → [1, 1, 2, 1, 1, 1, 2, 1, 2].
    [TestCase(4, 3, new[] { 2, 4 }, new[] { 1, 1, 2, 1, 1, 1, 2, 1, 2 })]
    // 4 × 3 frame touching every border, pixels {0..4, 7..11}:   1 1 1 1 / 1 0 0 1 / 1 1 1 1.
    // Columns (1,1,1) (1,0,1) (1,0,1) (1,1,1) → 1111 0 11 0 1111 → [0, 4, 1, 2, 1, 4].
    [TestCase(4, 3, new[] { 0, 5, 7, 5 }, new[] { 0, 4, 1, 2, 1, 4 })]
    // Foreground only in the last column of a 3 × 3 image, pixels {2, 5, 8}: counts [6, 3] (no trailing background).
    [TestCase(3, 3, new[] { 2, 1, 5, 1, 8, 1 }, new[] { 6, 3 })]
    public void Encode_HandWorkedMask_GivesColumnMajorCountsStartingWithBackground(int width, int height, int[] runs, int[] counts)
    {
        var coco = CocoMasks.Encode(new RleMask(width, height, runs));

        Assert.That(coco.Segmentation.Counts, Is.EqualTo(counts));
        Assert.That(coco.Segmentation.Size, Is.EqualTo(new[] { height, width }));
        Assert.That(DecodeCoco(coco.Segmentation), Is.EqualTo(DecodeRows(width, height, runs)));
    }

    // Area = foreground pixels; bbox [x, y, w, h] the tightest whole-pixel box (w = last column − first column + 1).
    [TestCase(3, 2, new[] { 1, 1, 3, 2 }, 3, new double[] { 0, 0, 2, 2 })]
    [TestCase(3, 2, new[] { 0, 6 }, 6, new double[] { 0, 0, 3, 2 })]
    [TestCase(3, 2, new int[0], 0, new double[] { 0, 0, 0, 0 })]
    [TestCase(4, 3, new[] { 2, 4 }, 4, new double[] { 0, 0, 4, 2 })] // the wrapping run reaches both side columns
    [TestCase(4, 3, new[] { 0, 5, 7, 5 }, 10, new double[] { 0, 0, 4, 3 })]
    // 5 × 4, pixels {7, 8, 12}: row 1 columns 2-3, row 2 column 2 → x 2..3, y 1..2.
    [TestCase(5, 4, new[] { 7, 2, 12, 1 }, 3, new double[] { 2, 1, 2, 2 })]
    // 5 × 4, the single pixel 19 (row 3, column 4): bbox [4, 3, 1, 1].
    [TestCase(5, 4, new[] { 19, 1 }, 1, new double[] { 4, 3, 1, 1 })]
    public void Encode_HandWorkedMask_GivesAreaAndTightBox(int width, int height, int[] runs, long area, double[] bbox)
    {
        var coco = CocoMasks.Encode(new RleMask(width, height, runs));

        Assert.That(coco.Area, Is.EqualTo(area));
        Assert.That(coco.Bbox, Is.EqualTo(bbox));
    }

    [Test]
    public void Encode_ColumnFullToTheBottomAndNextColumnFromTheTop_IsOneRun()
    {
        // 2 × 2, pixels {1, 2, 3}: 0 1 / 1 1. Columns (0,1) (1,1) → 0 1 1 1: the run crosses the column boundary → [1, 3].
        var coco = CocoMasks.Encode(new RleMask(2, 2, [1, 3]));

        Assert.That(coco.Segmentation.Counts, Is.EqualTo(new[] { 1, 3 }));
    }

    [Test]
    public void Encode_RandomMasks_DecodeToTheSamePixels() =>
        Assert.That(() => Masks.Sample((width, height, pixels) =>
        {
            var coco = CocoMasks.Encode(RleMask.FromPixels(width, height, pixels));
            return coco.Segmentation.Counts.Sum() == width * height
                && coco.Segmentation.Counts.Skip(1).All(c => c > 0)
                && DecodeCoco(coco.Segmentation).Cast<bool>().SequenceEqual(pixels);
        }, iter: 2000), Throws.Nothing);

    [Test]
    public void Encode_RandomMasks_AreaIsTheForegroundAndTheBoxIsTight() =>
        Assert.That(() => Masks.Sample((width, height, pixels) =>
        {
            var coco = CocoMasks.Encode(RleMask.FromPixels(width, height, pixels));
            var on = Enumerable.Range(0, pixels.Length).Where(p => pixels[p]).Select(p => (X: p % width, Y: p / width)).ToList();
            double[] box = on.Count == 0
                ? [0, 0, 0, 0]
                : [on.Min(p => p.X), on.Min(p => p.Y), on.Max(p => p.X) - on.Min(p => p.X) + 1, on.Max(p => p.Y) - on.Min(p => p.Y) + 1];
            return coco.Area == on.Count && coco.Bbox.SequenceEqual(box);
        }, iter: 2000), Throws.Nothing);

    [Test]
    public void Encode_LargeDisk_MatchesTheDecoders()
    {
        // A 512 × 512 image with a filled disk of radius 100 at (256, 256) and a hole of radius 30 in it.
        const int size = 512;
        var pixels = new bool[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var d2 = ((x - 256) * (x - 256)) + ((y - 256) * (y - 256));
                pixels[(y * size) + x] = d2 <= 100 * 100 && d2 > 30 * 30;
            }
        }

        var mask = RleMask.FromPixels(size, size, pixels);
        var coco = CocoMasks.Encode(mask);

        Assert.That(DecodeCoco(coco.Segmentation).Cast<bool>(), Is.EqualTo(pixels));
        Assert.That(coco.Bbox, Is.EqualTo(new double[] { 156, 156, 201, 201 }));
    }

    /// <summary>Width 1-24, height 1-24, and pixels on with a density drawn per mask, so empty and full masks come up.</summary>
    private static readonly Gen<(int, int, bool[])> Masks =
        Gen.Select(Gen.Int[1, 24], Gen.Int[1, 24], Gen.Int[0, 100])
            .SelectMany((width, height, density) => Gen.Int[0, 99].Array[width * height].Select(v => (width, height, v.Select(p => p < density).ToArray())));

    /// <summary>COCO counts, read as COCO defines them: column by column, alternating runs, the first one background.</summary>
    private static bool[,] DecodeCoco(CocoRle rle)
    {
        int height = rle.Size[0], width = rle.Size[1];
        var grid = new bool[height, width];
        var index = 0;
        var foreground = false;
        foreach (var count in rle.Counts)
        {
            for (var k = 0; k < count; k++, index++)
            {
                grid[index % height, index / height] = foreground;
            }

            foreground = !foreground;
        }

        Assert.That(index, Is.EqualTo(width * height), "the counts cover every pixel once");
        return grid;
    }

    /// <summary>API.md runs, read as API.md defines them: row-major [start, length] runs of foreground.</summary>
    private static bool[,] DecodeRows(int width, int height, int[] runs)
    {
        var grid = new bool[height, width];
        for (var r = 0; r < runs.Length; r += 2)
        {
            for (var p = runs[r]; p < runs[r] + runs[r + 1]; p++)
            {
                grid[p / width, p % width] = true;
            }
        }

        return grid;
    }
}
