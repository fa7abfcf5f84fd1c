namespace Crowd.Consensus.Engine.Agreement;

/// <summary>Disagreement weights for Cohen's kappa; categories are weighted by rank (index).</summary>
public enum KappaWeighting
{
    /// <summary>Only exact agreement counts.</summary>
    Unweighted,

    /// <summary>Agreement weight 1 - |i - j| / (K - 1).</summary>
    Linear,

    /// <summary>Agreement weight 1 - ((i - j) / (K - 1))^2.</summary>
    Quadratic,
}

/// <summary>Cohen's kappa for two raters (Cohen 1960; weighted: Cohen 1968).</summary>
public static class CohenKappa
{
    /// <summary>
    /// Kappa from two raters' category indices on the same items (a negative index is missing; the item is skipped).
    /// Returns NaN when no item has both ratings, 1 when both raters agree perfectly on a single category.
    /// </summary>
    public static double Compute(ReadOnlySpan<int> rater1, ReadOnlySpan<int> rater2, int categoryCount, KappaWeighting weighting = KappaWeighting.Unweighted)
    {
        if (rater1.Length != rater2.Length)
        {
            throw new ArgumentException("both raters must rate the same items");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(categoryCount, 1);
        var table = new double[categoryCount * categoryCount];
        for (var i = 0; i < rater1.Length; i++)
        {
            if (rater1[i] < 0 || rater2[i] < 0)
            {
                continue;
            }

            if (rater1[i] >= categoryCount || rater2[i] >= categoryCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rater1), "category index out of range");
            }

            table[(rater1[i] * categoryCount) + rater2[i]]++;
        }

        return FromTable(table, categoryCount, weighting);
    }

    /// <summary>Kappa from a K x K contingency table in row-major order (rows rater 1, columns rater 2).</summary>
    public static double FromTable(ReadOnlySpan<double> table, int categoryCount, KappaWeighting weighting = KappaWeighting.Unweighted)
    {
        var k = categoryCount;
        if (table.Length != k * k)
        {
            throw new ArgumentException("table must be K x K");
        }

        var n = 0.0;
        Span<double> rows = stackalloc double[k];
        Span<double> cols = stackalloc double[k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var x = table[(i * k) + j];
                rows[i] += x;
                cols[j] += x;
                n += x;
            }
        }

        if (n <= 0)
        {
            return double.NaN;
        }

        var observed = 0.0;
        var expected = 0.0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var w = Weight(i, j, k, weighting);
                observed += w * table[(i * k) + j] / n;
                expected += w * rows[i] * cols[j] / (n * n);
            }
        }

        // Both raters used one and the same category throughout: chance agreement is total, so is observed.
        if (Math.Abs(1 - expected) < 1e-15)
        {
            return Math.Abs(1 - observed) < 1e-15 ? 1.0 : double.NaN;
        }

        return (observed - expected) / (1 - expected);
    }

    /// <summary>Agreement weight of categories i and j.</summary>
    public static double Weight(int i, int j, int categoryCount, KappaWeighting weighting)
    {
        if (i == j)
        {
            return 1;
        }

        if (categoryCount < 2)
        {
            return 0;
        }

        var d = Math.Abs(i - j) / (double)(categoryCount - 1);
        return weighting switch
        {
            KappaWeighting.Linear => 1 - d,
            KappaWeighting.Quadratic => 1 - (d * d),
            _ => 0,
        };
    }
}
