namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>
/// Majority vote. Ties are broken deterministically: the tied class observed most often over the whole data set wins,
/// then the lower class index. Confidence is the winning vote share; an item with no votes gets the overall class shares.
/// </summary>
public static class MajorityVote
{
    public static AggregationResult Run(CrowdLabels data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return RunWeighted(data, null);
    }

    /// <summary>Weighted majority vote with one weight per worker (null = all 1).</summary>
    public static AggregationResult RunWeighted(CrowdLabels data, ReadOnlySpan<double> workerWeights)
    {
        ArgumentNullException.ThrowIfNull(data);
        return RunWeighted(data, workerWeights.IsEmpty ? null : workerWeights.ToArray());
    }

    /// <summary>
    /// Worker-agreement-weighted vote (the "Wawa" scheme): each worker is weighted by its agreement with the plain
    /// majority, then a weighted vote is taken.
    /// </summary>
    public static AggregationResult RunAgreementWeighted(CrowdLabels data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var mv = Run(data);
        var weights = WorkerAgreement(data, mv.Labels);
        return RunWeighted(data, weights);
    }

    /// <summary>Share of each worker's observations that equal <paramref name="reference"/> (0.5 for a worker with none).</summary>
    public static double[] WorkerAgreement(CrowdLabels data, ReadOnlySpan<int> reference)
    {
        ArgumentNullException.ThrowIfNull(data);
        var hits = new double[data.WorkerCount];
        var totals = new double[data.WorkerCount];
        var start = data.ItemStart;
        var workers = data.Workers;
        var labels = data.Labels;
        for (var i = 0; i < data.ItemCount; i++)
        {
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                totals[workers[r]]++;
                if (labels[r] == reference[i])
                {
                    hits[workers[r]]++;
                }
            }
        }

        for (var w = 0; w < hits.Length; w++)
        {
            hits[w] = totals[w] > 0 ? hits[w] / totals[w] : 0.5;
        }

        return hits;
    }

    private static AggregationResult RunWeighted(CrowdLabels data, double[]? weights)
    {
        var k = data.ClassCount;
        var prior = ClassShares(data);
        var post = new double[data.ItemCount * k];
        var start = data.ItemStart;
        var workers = data.Workers;
        var labels = data.Labels;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = post.AsSpan(i * k, k);
            var total = 0.0;
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                var wt = weights is null ? 1.0 : weights[workers[r]];
                row[labels[r]] += wt;
                total += wt;
            }

            if (total > 0)
            {
                for (var c = 0; c < k; c++)
                {
                    row[c] /= total;
                }
            }
            else
            {
                prior.CopyTo(row);
            }
        }

        var chosen = AggregationResult.ArgMax(post, data.ItemCount, k, prior);
        return new AggregationResult(k, chosen, post, 0, true, double.NaN);
    }

    internal static double[] ClassShares(CrowdLabels data)
    {
        var totals = data.ClassTotals();
        var shares = new double[data.ClassCount];
        var n = Math.Max(1, data.Count);
        for (var c = 0; c < shares.Length; c++)
        {
            shares[c] = data.Count == 0 ? 1.0 / shares.Length : (double)totals[c] / n;
        }

        return shares;
    }
}
