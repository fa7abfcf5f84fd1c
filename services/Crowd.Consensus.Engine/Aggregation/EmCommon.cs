namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>Pieces shared by the EM aggregators.</summary>
internal static class EmCommon
{
    /// <summary>Smallest probability used inside a log, so that a zero never produces -infinity.</summary>
    public const double MinProbability = 1e-300;

    /// <summary>Initial posteriors: each item's vote shares (uniform without votes), gold items one-hot.</summary>
    /// <summary>Where EM starts: each item's vote shares, or its posterior under <see cref="EmOptions.InitialAccuracy"/> when given.</summary>
    public static double[] Start(CrowdLabels data, int[] gold, EmOptions options) =>
        options.InitialAccuracy is { } accuracy ? WeightedShares(data, gold, accuracy) : VoteShares(data, gold);

    public static double[] VoteShares(CrowdLabels data, int[] gold)
    {
        var k = data.ClassCount;
        var t = new double[data.ItemCount * k];
        var start = data.ItemStartArray;
        var labels = data.LabelArray;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = t.AsSpan(i * k, k);
            if (gold[i] >= 0)
            {
                row[gold[i]] = 1;
                continue;
            }

            var n = start[i + 1] - start[i];
            if (n == 0)
            {
                row.Fill(1.0 / k);
                continue;
            }

            for (var r = start[i]; r < start[i + 1]; r++)
            {
                row[labels[r]] += 1.0 / n;
            }
        }

        return t;
    }

    /// <summary>
    /// Each item's posterior with a uniform prior when worker w answers right with probability accuracy[w] (clamped to
    /// [0.01, 0.99]) and otherwise picks any other class alike.
    /// </summary>
    private static double[] WeightedShares(CrowdLabels data, int[] gold, IReadOnlyList<double> accuracy)
    {
        if (accuracy.Count != data.WorkerCount)
        {
            throw new ArgumentException($"initial accuracy has {accuracy.Count} entries for {data.WorkerCount} workers");
        }

        var k = data.ClassCount;
        var t = new double[data.ItemCount * k];
        var start = data.ItemStartArray;
        var labels = data.LabelArray;
        var workers = data.WorkerArray;
        Span<double> logPosterior = stackalloc double[k];
        for (var i = 0; i < data.ItemCount; i++)
        {
            logPosterior.Clear();
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                var a = Math.Clamp(accuracy[workers[r]], 0.01, 0.99);
                var wrong = Math.Log((1 - a) / (k - 1));
                for (var c = 0; c < k; c++)
                {
                    logPosterior[c] += c == labels[r] ? Math.Log(a) : wrong;
                }
            }

            Normalise(logPosterior, t.AsSpan(i * k, k), gold[i]);
        }

        return t;
    }

    /// <summary>Log class prior from the posteriors of items that have observations or gold (uniform when not estimated).</summary>
    public static void UpdateLogPrior(CrowdLabels data, int[] gold, double[] t, double smoothing, double[] logPrior, bool estimate)
    {
        var k = data.ClassCount;
        if (!estimate)
        {
            Array.Fill(logPrior, -Math.Log(k));
            return;
        }

        Span<double> sum = stackalloc double[k];
        sum.Fill(smoothing);
        var start = data.ItemStartArray;
        for (var i = 0; i < data.ItemCount; i++)
        {
            if (start[i + 1] == start[i] && gold[i] < 0)
            {
                continue;
            }

            var row = t.AsSpan(i * k, k);
            for (var c = 0; c < k; c++)
            {
                sum[c] += row[c];
            }
        }

        var total = 0.0;
        for (var c = 0; c < k; c++)
        {
            total += sum[c];
        }

        for (var c = 0; c < k; c++)
        {
            logPrior[c] = total > 0 ? Math.Log(Math.Max(sum[c] / total, MinProbability)) : -Math.Log(k);
        }
    }

    /// <summary>
    /// Turns one item's log joint (in <paramref name="acc"/>) into its posterior (written to <paramref name="row"/>) and
    /// returns the item's log marginal; a gold item is clamped and contributes the log joint of its known class.
    /// </summary>
    public static double Normalise(Span<double> acc, Span<double> row, int gold)
    {
        if (gold >= 0)
        {
            row.Clear();
            row[gold] = 1;
            return acc[gold];
        }

        var max = double.NegativeInfinity;
        for (var c = 0; c < acc.Length; c++)
        {
            if (acc[c] > max)
            {
                max = acc[c];
            }
        }

        var sum = 0.0;
        for (var c = 0; c < acc.Length; c++)
        {
            // Flush what would be a subnormal to zero: subnormal arithmetic is many times slower in the M-step sums.
            var d = acc[c] - max;
            var e = d < -700 ? 0 : Math.Exp(d);
            row[c] = e;
            sum += e;
        }

        var inv = 1.0 / sum;
        for (var c = 0; c < acc.Length; c++)
        {
            row[c] *= inv;
        }

        return max + Math.Log(sum);
    }

    public static bool Converged(double previous, double current, double tolerance) =>
        !double.IsNaN(previous) && Math.Abs(current - previous) <= tolerance * Math.Max(1.0, Math.Abs(current));

    public static double[] PriorFromLog(double[] logPrior)
    {
        var p = new double[logPrior.Length];
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = Math.Exp(logPrior[c]);
        }

        return p;
    }
}
