using System.Diagnostics;
using System.Globalization;
using Crowd.Consensus.Engine.Geometry;
using Crowd.Labels.Coco;

namespace Crowd.Bench;

/// <summary>
/// API.md runs to COCO RLE (format=coco exports) on 512 × 512 masks of four kinds: time per conversion (best of five
/// rounds of 200) and bytes allocated per conversion, against a dense decode-and-scan baseline in the same process.
/// </summary>
internal static class CocoRleBench
{
    private const int Size = 512;

    public static int Run()
    {
        var random = new Random(7);
        var masks = new (string Name, RleMask Mask)[]
        {
            ("empty", new RleMask(Size, Size, [])),
            ("full", new RleMask(Size, Size, [0, Size * Size])),
            ("disk r100 with a hole r30", Pixels((x, y) => Ring(x, y))),
            ("noise 5%", Pixels((_, _) => random.NextDouble() < 0.05)),
        };
        foreach (var (name, mask) in masks)
        {
            var runs = mask.Runs.Length / 2;
            var encode = Measure(() => CocoMasks.Encode(mask).Segmentation.Counts.Count);
            var dense = Measure(() => Dense(mask));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-26} {runs,7:N0} runs: {encode.Micros,8:0.0} µs, {encode.Bytes,9:N0} B per conversion; dense baseline {dense.Micros,8:0.0} µs, {dense.Bytes,9:N0} B"));
        }

        return 0;
    }

    private static bool Ring(int x, int y)
    {
        var d2 = ((x - 256) * (x - 256)) + ((y - 256) * (y - 256));
        return d2 <= 100 * 100 && d2 > 30 * 30;
    }

    private static RleMask Pixels(Func<int, int, bool> on)
    {
        var pixels = new bool[Size * Size];
        for (var p = 0; p < pixels.Length; p++)
        {
            pixels[p] = on(p % Size, p / Size);
        }

        return RleMask.FromPixels(Size, Size, pixels);
    }

    /// <summary>Best time of five rounds of 200 conversions, and the bytes one conversion allocates.</summary>
    private static (double Micros, long Bytes) Measure(Func<int> convert)
    {
        const int rounds = 5, perRound = 200;
        // Warm-up long enough for tiered compilation to have replaced the first, unoptimised code.
        var sink = 0;
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 500;)
        {
            sink += convert();
        }

        var best = double.MaxValue;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < perRound; i++)
            {
                sink += convert();
            }

            best = Math.Min(best, sw.Elapsed.TotalMicroseconds / perRound);
        }

        GC.KeepAlive(sink);
        return (best, (GC.GetAllocatedBytesForCurrentThread() - before) / (rounds * perRound));
    }

    /// <summary>The obvious way: decode every pixel, then walk them column by column.</summary>
    private static int Dense(RleMask mask)
    {
        var pixels = mask.ToPixels();
        var counts = new List<int>();
        var current = false;
        var length = 0;
        for (var x = 0; x < mask.Width; x++)
        {
            for (var y = 0; y < mask.Height; y++)
            {
                if (pixels[(y * mask.Width) + x] != current)
                {
                    counts.Add(length);
                    current = !current;
                    length = 0;
                }

                length++;
            }
        }

        counts.Add(length);
        return counts.Count;
    }
}
