namespace Crowd.Consensus.Engine.Geometry;

/// <summary>
/// A binary mask run-length encoded as in API.md: row-major pixel indices, runs of foreground as
/// [start, length, start, length, ...], 0-based. Runs are normalised on construction (sorted, merged, clipped).
/// </summary>
public sealed class RleMask
{
    private readonly int[] _runs;

    public RleMask(int width, int height, IReadOnlyList<int> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (runs.Count % 2 != 0)
        {
            throw new ArgumentException("runs must be start/length pairs");
        }

        Width = width;
        Height = height;
        _runs = Normalise(runs, (long)width * height);
    }

    private RleMask(int width, int height, int[] normalisedRuns)
    {
        Width = width;
        Height = height;
        _runs = normalisedRuns;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Normalised runs: sorted, non-overlapping, non-adjacent, inside the image.</summary>
    public ReadOnlySpan<int> Runs => _runs;

    /// <summary>Foreground pixel count.</summary>
    public long Area
    {
        get
        {
            long a = 0;
            for (var r = 1; r < _runs.Length; r += 2)
            {
                a += _runs[r];
            }

            return a;
        }
    }

    /// <summary>Foreground pixels shared with <paramref name="other"/> (a merge of the two run lists).</summary>
    public long IntersectionArea(RleMask other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameSize(other);
        long shared = 0;
        int i = 0, j = 0;
        var a = _runs;
        var b = other._runs;
        while (i < a.Length && j < b.Length)
        {
            long aStart = a[i], aEnd = (long)a[i] + a[i + 1];
            long bStart = b[j], bEnd = (long)b[j] + b[j + 1];
            var overlap = Math.Min(aEnd, bEnd) - Math.Max(aStart, bStart);
            if (overlap > 0)
            {
                shared += overlap;
            }

            if (aEnd <= bEnd)
            {
                i += 2;
            }
            else
            {
                j += 2;
            }
        }

        return shared;
    }

    /// <summary>
    /// Why <paramref name="runs"/> are not a canonical encoding of a <paramref name="width"/> × <paramref name="height"/>
    /// mask (start/length pairs, each start ≥ 0, each length ≥ 1, sorted, not overlapping, inside the image); null when
    /// they are. The constructor repairs such runs silently; an annotator's runs are checked instead, since a repaired
    /// mask is not the one they drew.
    /// </summary>
    public static string? Misfit(long width, long height, IReadOnlyList<long> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count % 2 != 0)
        {
            return "Runs must be start/length pairs.";
        }

        var end = 0L;
        for (var r = 0; r < runs.Count; r += 2)
        {
            if (runs[r] < end || runs[r + 1] < 1 || runs[r] + runs[r + 1] > width * height)
            {
                return $"Run {r / 2} must start at or after {end}, be at least 1 long and end within the {width}×{height} image.";
            }

            end = runs[r] + runs[r + 1];
        }

        return null;
    }

    /// <summary>Dense 0/1 pixels, row-major.</summary>
    public bool[] ToPixels()
    {
        var pixels = new bool[(long)Width * Height];
        for (var r = 0; r < _runs.Length; r += 2)
        {
            Array.Fill(pixels, true, _runs[r], _runs[r + 1]);
        }

        return pixels;
    }

    /// <summary>Encodes dense row-major pixels.</summary>
    public static RleMask FromPixels(int width, int height, ReadOnlySpan<bool> pixels)
    {
        if (pixels.Length != (long)width * height)
        {
            throw new ArgumentException("pixel count must be width x height");
        }

        var runs = new List<int>();
        var p = 0;
        while (p < pixels.Length)
        {
            if (!pixels[p])
            {
                p++;
                continue;
            }

            var start = p;
            while (p < pixels.Length && pixels[p])
            {
                p++;
            }

            runs.Add(start);
            runs.Add(p - start);
        }

        return new RleMask(width, height, runs.ToArray());
    }

    internal void RequireSameSize(RleMask other)
    {
        if (other.Width != Width || other.Height != Height)
        {
            throw new ArgumentException($"mask sizes differ: {Width}x{Height} and {other.Width}x{other.Height}");
        }
    }

    private static int[] Normalise(IReadOnlyList<int> runs, long pixelCount)
    {
        var pairs = new List<(long Start, long End)>(runs.Count / 2);
        for (var r = 0; r < runs.Count; r += 2)
        {
            long start = runs[r], length = runs[r + 1];
            if (start < 0 || length < 0)
            {
                throw new ArgumentException("run starts and lengths must be non-negative");
            }

            var end = Math.Min(start + length, pixelCount);
            if (end > start)
            {
                pairs.Add((start, end));
            }
        }

        pairs.Sort();
        var merged = new List<int>(pairs.Count * 2);
        long curStart = -1, curEnd = -1;
        foreach (var (s, e) in pairs)
        {
            if (curStart >= 0 && s <= curEnd)
            {
                curEnd = Math.Max(curEnd, e);
                continue;
            }

            if (curStart >= 0)
            {
                merged.Add((int)curStart);
                merged.Add((int)(curEnd - curStart));
            }

            curStart = s;
            curEnd = e;
        }

        if (curStart >= 0)
        {
            merged.Add((int)curStart);
            merged.Add((int)(curEnd - curStart));
        }

        return [.. merged];
    }
}
