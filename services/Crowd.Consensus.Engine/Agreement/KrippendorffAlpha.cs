namespace Crowd.Consensus.Engine.Agreement;

/// <summary>Level of measurement for Krippendorff's alpha.</summary>
public enum AlphaMetric
{
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

/// <summary>Krippendorff's alpha with its ingredients.</summary>
public sealed record AlphaResult(double Alpha, double ObservedDisagreement, double ExpectedDisagreement, int PairableValues, int Units);

/// <summary>
/// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability") from a coincidence matrix:
/// any number of coders, missing values allowed, units with fewer than two values left out.
/// </summary>
public static class KrippendorffAlpha
{
    /// <summary>
    /// Alpha over reliability data as units x coders in row-major order (<paramref name="values"/>[unit * coders + coder]);
    /// NaN marks a missing value. Ratio data must be non-negative.
    /// </summary>
    public static AlphaResult FromMatrix(ReadOnlySpan<double> values, int coderCount, AlphaMetric metric)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coderCount, 1);
        if (values.Length % coderCount != 0)
        {
            throw new ArgumentException("values length must be a multiple of the coder count");
        }

        var units = new List<double[]>(values.Length / coderCount);
        for (var u = 0; u < values.Length / coderCount; u++)
        {
            var row = values.Slice(u * coderCount, coderCount);
            var present = new List<double>(coderCount);
            foreach (var v in row)
            {
                if (!double.IsNaN(v))
                {
                    present.Add(v);
                }
            }

            units.Add([.. present]);
        }

        return FromUnits(units, metric);
    }

    /// <summary>Alpha over the values each unit received (from any coders, missing values simply absent).</summary>
    public static AlphaResult FromUnits(IReadOnlyList<double[]> units, AlphaMetric metric)
    {
        ArgumentNullException.ThrowIfNull(units);
        // Distinct values, sorted: ordinal distances depend on rank order.
        var distinct = new SortedSet<double>();
        foreach (var unit in units)
        {
            if (unit.Length < 2)
            {
                continue;
            }

            foreach (var v in unit)
            {
                if (double.IsNaN(v) || double.IsInfinity(v))
                {
                    throw new ArgumentException("values must be finite numbers");
                }

                if (metric == AlphaMetric.Ratio && v < 0)
                {
                    throw new ArgumentException("ratio data must be non-negative");
                }

                distinct.Add(v);
            }
        }

        var scale = distinct.ToArray();
        var v2 = scale.Length;
        var index = new Dictionary<double, int>(v2);
        for (var c = 0; c < v2; c++)
        {
            index[scale[c]] = c;
        }

        // Coincidence matrix: each ordered pair of values within a unit adds 1 / (m_u - 1).
        var o = new double[v2 * v2];
        var used = 0;
        var unitCounts = new Dictionary<int, int>();
        foreach (var unit in units)
        {
            var m = unit.Length;
            if (m < 2)
            {
                continue;
            }

            used++;
            unitCounts.Clear();
            foreach (var v in unit)
            {
                var c = index[v];
                unitCounts[c] = unitCounts.GetValueOrDefault(c) + 1;
            }

            foreach (var (c, nc) in unitCounts)
            {
                foreach (var (d, nd) in unitCounts)
                {
                    var pairsCd = c == d ? (double)nc * (nc - 1) : (double)nc * nd;
                    o[(c * v2) + d] += pairsCd / (m - 1);
                }
            }
        }

        var marginals = new double[v2];
        var n = 0.0;
        for (var c = 0; c < v2; c++)
        {
            for (var d = 0; d < v2; d++)
            {
                marginals[c] += o[(c * v2) + d];
            }

            n += marginals[c];
        }

        if (n < 2)
        {
            return new AlphaResult(double.NaN, double.NaN, double.NaN, (int)Math.Round(n), used);
        }

        // Cumulative marginals for the ordinal metric.
        var cumulative = new double[v2 + 1];
        for (var c = 0; c < v2; c++)
        {
            cumulative[c + 1] = cumulative[c] + marginals[c];
        }

        var observed = 0.0;
        var expected = 0.0;
        for (var c = 0; c < v2; c++)
        {
            for (var d = c + 1; d < v2; d++)
            {
                var delta = Delta(metric, c, d, scale, marginals, cumulative);
                observed += 2 * o[(c * v2) + d] * delta;
                expected += 2 * marginals[c] * marginals[d] * delta;
            }
        }

        var dO = observed / n;
        var dE = expected / (n * (n - 1));
        double alpha;
        if (dE <= 0)
        {
            // A single value throughout: no variation to disagree about.
            alpha = dO <= 0 ? 1.0 : double.NaN;
        }
        else
        {
            alpha = 1 - (dO / dE);
        }

        return new AlphaResult(alpha, dO, dE, (int)Math.Round(n), used);
    }

    /// <summary>Squared distance between the c-th and d-th distinct values (c &lt; d).</summary>
    private static double Delta(AlphaMetric metric, int c, int d, double[] scale, double[] marginals, double[] cumulative)
    {
        switch (metric)
        {
            case AlphaMetric.Nominal:
                return 1;
            case AlphaMetric.Ordinal:
                {
                    // (sum_{g=c..d} n_g - (n_c + n_d) / 2)^2
                    var s = cumulative[d + 1] - cumulative[c] - ((marginals[c] + marginals[d]) / 2);
                    return s * s;
                }

            case AlphaMetric.Interval:
                {
                    var s = scale[c] - scale[d];
                    return s * s;
                }

            case AlphaMetric.Ratio:
                {
                    var sum = scale[c] + scale[d];
                    if (sum == 0)
                    {
                        return 0;
                    }

                    var s = (scale[c] - scale[d]) / sum;
                    return s * s;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(metric));
        }
    }
}
