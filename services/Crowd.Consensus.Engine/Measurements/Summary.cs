namespace Crowd.Consensus.Engine.Measurements;

/// <summary>Consensus of numeric measurements: the median, with spread as the median absolute deviation and the range.</summary>
public sealed record MeasurementConsensus(double Median, double MedianAbsoluteDeviation, double Min, double Max, int Count)
{
    /// <summary>Whether every measurement lies within <paramref name="tolerance"/> of the median (API.md's acceptance rule).</summary>
    public bool WithinTolerance(double tolerance) => Count > 0 && Max - Median <= tolerance && Median - Min <= tolerance;
}

/// <summary>Median and spread of annotators' measurements.</summary>
public static class Summary
{
    /// <summary>Median (mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static MeasurementConsensus Consensus(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("measurements must be finite numbers");
            }
        }

        if (values.IsEmpty)
        {
            return new MeasurementConsensus(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        var median = Median(values);
        var deviations = new double[values.Length];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            deviations[i] = Math.Abs(values[i] - median);
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }

        return new MeasurementConsensus(median, Median(deviations), min, max, values.Length);
    }
}
