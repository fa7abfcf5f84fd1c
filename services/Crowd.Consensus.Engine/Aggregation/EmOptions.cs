namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>Settings shared by the EM-based aggregators (one-coin and full Dawid-Skene, GLAD).</summary>
public sealed record EmOptions
{
    /// <summary>Iteration limit.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Stop when the log-likelihood changes by less than this fraction of itself between iterations.</summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>
    /// Pseudo-count added to every confusion-matrix cell, accuracy count and class count. The default is a numerical
    /// guard (it keeps a never-seen answer from costing log 0), close to Dawid and Skene's maximum likelihood; larger
    /// values act as a Dirichlet prior and shrink workers with few labels towards uniform (0.01 reproduces the
    /// reference DS figures in data/README.md).
    /// </summary>
    public double Smoothing { get; init; } = 1e-6;

    /// <summary>Optional known class per item (length = item count, -1 = unknown); known items are clamped to it.</summary>
    public IReadOnlyList<int>? Gold { get; init; }

    /// <summary>
    /// Whether class priors are re-estimated in each M-step; null = the method's default (full Dawid-Skene: yes;
    /// one-coin and GLAD: no, uniform as in Whitehill et al. 2009, because a symmetric worker model with a free prior
    /// drifts towards labelling everything with the majority class on data from biased workers).
    /// </summary>
    public bool? EstimateClassPrior { get; init; }

    /// <summary>
    /// Optional starting accuracy per worker (length = worker count): the first M-step then starts from each item's
    /// posterior under these one-coin accuracies instead of from its vote shares, so what a platform already knows of its
    /// workers is where EM starts (revisiting a batch's decisions, <see cref="Online.Revisit"/>).
    /// </summary>
    public IReadOnlyList<double>? InitialAccuracy { get; init; }

    public static EmOptions Default { get; } = new();

    internal int[] GoldArray(int itemCount, int classCount)
    {
        var gold = new int[itemCount];
        Array.Fill(gold, -1);
        if (Gold is null)
        {
            return gold;
        }

        if (Gold.Count != itemCount)
        {
            throw new ArgumentException($"gold has {Gold.Count} entries for {itemCount} items");
        }

        for (var i = 0; i < itemCount; i++)
        {
            var g = Gold[i];
            if (g >= classCount)
            {
                throw new ArgumentException($"gold class {g} outside [0, {classCount})");
            }

            gold[i] = g < 0 ? -1 : g;
        }

        return gold;
    }
}
