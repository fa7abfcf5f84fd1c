namespace Crowd.Consensus.Engine.Agreement;

/// <summary>Fleiss' kappa overall and per category.</summary>
public sealed record FleissResult(double Kappa, IReadOnlyList<double> PerCategory, int Items);

/// <summary>
/// Fleiss' kappa (Fleiss 1971) from per-item category counts. Items may have different numbers of ratings: agreement
/// is pooled over rating pairs, which is Fleiss' formula exactly when every item has the same number; items with
/// fewer than two ratings are left out. Per-category kappa is Fleiss' kappa_j = 1 - sum n_ij (n_i - n_ij) / (sum n_i (n_i - 1) p_j q_j).
/// </summary>
public static class FleissKappa
{
    /// <summary>Counts in row-major order: <paramref name="counts"/>[item * K + category] = raters who chose it.</summary>
    public static FleissResult FromCounts(ReadOnlySpan<int> counts, int categoryCount)
    {
        var k = categoryCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (counts.Length % k != 0)
        {
            throw new ArgumentException("counts length must be a multiple of the category count");
        }

        var items = counts.Length / k;
        var categoryTotals = new double[k];
        var disagreement = new double[k];
        var pairs = 0.0;
        var agreeingPairs = 0.0;
        var total = 0.0;
        var used = 0;
        for (var i = 0; i < items; i++)
        {
            var row = counts.Slice(i * k, k);
            var n = 0;
            foreach (var x in row)
            {
                n += x;
            }

            if (n < 2)
            {
                continue;
            }

            used++;
            pairs += (double)n * (n - 1);
            total += n;
            for (var c = 0; c < k; c++)
            {
                var x = row[c];
                categoryTotals[c] += x;
                agreeingPairs += (double)x * (x - 1);
                disagreement[c] += (double)x * (n - x);
            }
        }

        var perCategory = new double[k];
        if (used == 0)
        {
            Array.Fill(perCategory, double.NaN);
            return new FleissResult(double.NaN, perCategory, 0);
        }

        var pBar = agreeingPairs / pairs;
        var pe = 0.0;
        for (var c = 0; c < k; c++)
        {
            var p = categoryTotals[c] / total;
            pe += p * p;
            var pq = p * (1 - p);
            perCategory[c] = pq > 0 ? 1 - (disagreement[c] / (pairs * pq)) : double.NaN;
        }

        double kappa;
        if (Math.Abs(1 - pe) < 1e-15)
        {
            // Every rating fell in one category: perfect (and trivial) agreement.
            kappa = 1.0;
        }
        else
        {
            kappa = (pBar - pe) / (1 - pe);
        }

        return new FleissResult(kappa, perCategory, used);
    }

    /// <summary>Fleiss' kappa over crowd labels; a repeated rating by the same worker counts as another rating.</summary>
    public static FleissResult Compute(CrowdLabels data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var k = data.ClassCount;
        var counts = new int[data.ItemCount * k];
        var start = data.ItemStart;
        var labels = data.Labels;
        for (var i = 0; i < data.ItemCount; i++)
        {
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                counts[(i * k) + labels[r]]++;
            }
        }

        return FromCounts(counts, k);
    }
}
