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
    /// <remarks>
    /// Works from the pairable values rather than a values x values coincidence matrix, so continuous measurements with
    /// many distinct values need memory linear in the data: observed disagreement sums over pairs within each unit;
    /// expected disagreement uses closed forms for nominal, interval and ordinal (the ordinal distance of Krippendorff
    /// 2011 is the interval distance between mid-ranks) and a loop over distinct-value pairs for ratio.
    /// </remarks>
    public static AlphaResult FromUnits(IReadOnlyList<double[]> units, AlphaMetric metric)
    {
        ArgumentNullException.ThrowIfNull(units);
        var pairable = new List<double[]>(units.Count);
        var counts = new SortedDictionary<double, int>();
        foreach (var unit in units)
        {
            if (unit is null || unit.Length < 2)
            {
                continue;
            }

            foreach (var v in unit)
            {
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException("values must be finite numbers");
                }

                if (metric == AlphaMetric.Ratio && v < 0)
                {
                    throw new ArgumentException("ratio data must be non-negative");
                }

                counts[v] = counts.GetValueOrDefault(v) + 1;
            }

            pairable.Add(unit);
        }

        var values = counts.Keys.ToArray();
        var marginals = counts.Values.Select(c => (double)c).ToArray();
        var n = marginals.Sum();
        if (n < 2)
        {
            return new AlphaResult(double.NaN, double.NaN, double.NaN, (int)n, pairable.Count);
        }

        // Coordinates whose squared difference is the metric's distance (interval: the value; ordinal: its mid-rank).
        var coordinate = new Dictionary<double, double>(values.Length);
        var cumulative = 0.0;
        for (var c = 0; c < values.Length; c++)
        {
            coordinate[values[c]] = metric == AlphaMetric.Ordinal ? cumulative + (marginals[c] / 2) : values[c];
            cumulative += marginals[c];
        }

        var observed = 0.0;
        foreach (var unit in pairable)
        {
            var sum = 0.0;
            for (var a = 0; a < unit.Length; a++)
            {
                for (var b = a + 1; b < unit.Length; b++)
                {
                    sum += 2 * Delta(metric, unit[a], unit[b], coordinate);
                }
            }

            observed += sum / (unit.Length - 1);
        }

        double expected;
        switch (metric)
        {
            case AlphaMetric.Nominal:
                expected = (n * n) - marginals.Sum(m => m * m);
                break;
            case AlphaMetric.Interval or AlphaMetric.Ordinal:
                {
                    // sum_{c,d} n_c n_d (x_c - x_d)^2 = 2 n sum n_c x_c^2 - 2 (sum n_c x_c)^2, centred for accuracy.
                    var mean = 0.0;
                    for (var c = 0; c < values.Length; c++)
                    {
                        mean += marginals[c] * coordinate[values[c]] / n;
                    }

                    var squares = 0.0;
                    for (var c = 0; c < values.Length; c++)
                    {
                        var x = coordinate[values[c]] - mean;
                        squares += marginals[c] * x * x;
                    }

                    expected = 2 * n * squares;
                    break;
                }

            default:
                expected = 0;
                for (var c = 0; c < values.Length; c++)
                {
                    for (var d = c + 1; d < values.Length; d++)
                    {
                        expected += 2 * marginals[c] * marginals[d] * Delta(metric, values[c], values[d], coordinate);
                    }
                }

                break;
        }

        var dO = observed / n;
        var dE = expected / (n * (n - 1));
        double alpha;
        if (dE <= 1e-15 * Math.Max(1, dO))
        {
            // A single value throughout: no variation to disagree about.
            alpha = dO <= 0 ? 1.0 : double.NaN;
        }
        else
        {
            alpha = 1 - (dO / dE);
        }

        return new AlphaResult(alpha, dO, dE, (int)n, pairable.Count);
    }

    /// <summary>Squared distance between two values under the metric.</summary>
    private static double Delta(AlphaMetric metric, double a, double b, Dictionary<double, double> coordinate)
    {
        if (a == b)
        {
            return 0;
        }

        switch (metric)
        {
            case AlphaMetric.Nominal:
                return 1;
            case AlphaMetric.Ordinal or AlphaMetric.Interval:
                {
                    var s = coordinate[a] - coordinate[b];
                    return s * s;
                }

            case AlphaMetric.Ratio:
                {
                    var s = (a - b) / (a + b);
                    return s * s;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(metric));
        }
    }
}
