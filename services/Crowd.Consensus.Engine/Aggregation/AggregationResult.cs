namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>One label per item with the posterior over classes it came from.</summary>
public sealed class AggregationResult
{
    private readonly int[] _labels;
    private readonly double[] _posteriors;

    internal AggregationResult(int classCount, int[] labels, double[] posteriors, int iterations, bool converged, double logLikelihood)
    {
        ClassCount = classCount;
        _labels = labels;
        _posteriors = posteriors;
        Iterations = iterations;
        Converged = converged;
        LogLikelihood = logLikelihood;
    }

    public int ItemCount => _labels.Length;

    public int ClassCount { get; }

    /// <summary>EM iterations run (0 for one-pass methods).</summary>
    public int Iterations { get; }

    /// <summary>Whether the tolerance was met before the iteration limit (always true for one-pass methods).</summary>
    public bool Converged { get; }

    /// <summary>Marginal log-likelihood of the observations at the last E-step (NaN for vote-based methods).</summary>
    public double LogLikelihood { get; }

    /// <summary>The chosen class of every item.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The chosen class of an item.</summary>
    public int Label(int item) => _labels[item];

    /// <summary>Posterior (or vote share) over classes for an item; sums to 1.</summary>
    public ReadOnlySpan<double> Posterior(int item) => _posteriors.AsSpan(item * ClassCount, ClassCount);

    /// <summary>The posterior of the chosen class.</summary>
    public double Confidence(int item) => _posteriors[(item * ClassCount) + _labels[item]];

    /// <summary>Picks the arg-max of each item's posterior; ties go to the class with the larger prior, then the lower index.</summary>
    internal static int[] ArgMax(double[] posteriors, int itemCount, int classCount, ReadOnlySpan<double> tieBreak)
    {
        var labels = new int[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            var row = posteriors.AsSpan(i * classCount, classCount);
            var best = 0;
            for (var k = 1; k < classCount; k++)
            {
                // Relative tolerance: posteriors that differ only by rounding are a tie.
                var diff = row[k] - row[best];
                var scale = Math.Max(Math.Abs(row[k]), Math.Abs(row[best]));
                if (diff > 1e-12 * scale)
                {
                    best = k;
                }
                else if (diff >= -1e-12 * scale && tieBreak[k] > tieBreak[best])
                {
                    best = k;
                }
            }

            labels[i] = best;
        }

        return labels;
    }
}
