namespace Crowd.Consensus.Engine.Geometry;

/// <summary>STAPLE output: the fused mask, each pixel's foreground probability, and each rater's estimated performance.</summary>
public sealed record StapleResult(RleMask Mask, IReadOnlyList<double> ForegroundProbability, IReadOnlyList<double> Sensitivity, IReadOnlyList<double> Specificity, int Iterations);

/// <summary>Per-pixel fusion of binary masks of one image.</summary>
public static class MaskFusion
{
    /// <summary>Per-pixel majority: a pixel is foreground when more than half of the masks mark it (a tie is background).</summary>
    public static RleMask MajorityVote(IReadOnlyList<RleMask> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var (w, h) = SizeOf(masks);
        var votes = Counts(masks, w, h);
        var pixels = new bool[votes.Length];
        for (var p = 0; p < votes.Length; p++)
        {
            pixels[p] = 2 * votes[p] > masks.Count;
        }

        return RleMask.FromPixels(w, h, pixels);
    }

    /// <summary>
    /// STAPLE (Warfield, Zou and Wells 2004): EM over the true segmentation with a sensitivity p_j and specificity q_j
    /// per rater. The prior foreground share is the mean mask area share; a pixel is foreground when its posterior exceeds 0.5.
    /// </summary>
    public static StapleResult Staple(IReadOnlyList<RleMask> masks, int maxIterations = 100, double tolerance = 1e-7)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var (w, h) = SizeOf(masks);
        var r = masks.Count;
        var n = w * h;
        var decisions = masks.Select(m => m.ToPixels()).ToArray();
        var prior = masks.Average(m => (double)m.Area) / Math.Max(1, n);
        prior = Math.Clamp(prior, 1e-6, 1 - 1e-6);
        var p = Enumerable.Repeat(0.9, r).ToArray();
        var q = Enumerable.Repeat(0.9, r).ToArray();
        var weights = new double[n];
        var logP = new double[r];
        var log1P = new double[r];
        var logQ = new double[r];
        var log1Q = new double[r];
        var iterations = 0;
        var previous = double.NaN;
        while (iterations < maxIterations)
        {
            iterations++;
            // E-step: posterior that each pixel is foreground.
            var ll = 0.0;
            for (var j = 0; j < r; j++)
            {
                logP[j] = Math.Log(p[j]);
                log1P[j] = Math.Log(1 - p[j]);
                logQ[j] = Math.Log(q[j]);
                log1Q[j] = Math.Log(1 - q[j]);
            }

            for (var x = 0; x < n; x++)
            {
                double a = Math.Log(prior), b = Math.Log(1 - prior);
                for (var j = 0; j < r; j++)
                {
                    if (decisions[j][x])
                    {
                        a += logP[j];
                        b += log1Q[j];
                    }
                    else
                    {
                        a += log1P[j];
                        b += logQ[j];
                    }
                }

                var m = Math.Max(a, b);
                var ea = Math.Exp(a - m);
                var eb = Math.Exp(b - m);
                weights[x] = ea / (ea + eb);
                ll += m + Math.Log(ea + eb);
            }

            // M-step: sensitivity and specificity of each rater (kept inside (0, 1) so logs stay finite).
            var fg = weights.Sum();
            var bg = n - fg;
            for (var j = 0; j < r; j++)
            {
                double tp = 0, tn = 0;
                for (var x = 0; x < n; x++)
                {
                    if (decisions[j][x])
                    {
                        tp += weights[x];
                    }
                    else
                    {
                        tn += 1 - weights[x];
                    }
                }

                p[j] = Math.Clamp((tp + 1e-6) / (fg + 2e-6), 1e-6, 1 - 1e-6);
                q[j] = Math.Clamp((tn + 1e-6) / (bg + 2e-6), 1e-6, 1 - 1e-6);
            }

            if (!double.IsNaN(previous) && Math.Abs(ll - previous) <= tolerance * Math.Max(1, Math.Abs(ll)))
            {
                break;
            }

            previous = ll;
        }

        var pixels = new bool[n];
        for (var x = 0; x < n; x++)
        {
            pixels[x] = weights[x] > 0.5;
        }

        return new StapleResult(RleMask.FromPixels(w, h, pixels), weights, p, q, iterations);
    }

    private static (int Width, int Height) SizeOf(IReadOnlyList<RleMask> masks)
    {
        if (masks.Count == 0)
        {
            throw new ArgumentException("at least one mask is needed");
        }

        foreach (var m in masks)
        {
            m.RequireSameSize(masks[0]);
        }

        return (masks[0].Width, masks[0].Height);
    }

    private static int[] Counts(IReadOnlyList<RleMask> masks, int w, int h)
    {
        var votes = new int[w * h];
        foreach (var m in masks)
        {
            var runs = m.Runs;
            for (var r = 0; r < runs.Length; r += 2)
            {
                for (var x = runs[r]; x < runs[r] + runs[r + 1]; x++)
                {
                    votes[x]++;
                }
            }
        }

        return votes;
    }
}
