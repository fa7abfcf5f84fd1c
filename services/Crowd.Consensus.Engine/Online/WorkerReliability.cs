namespace Crowd.Consensus.Engine.Online;

/// <summary>
/// What the engine knows about one worker: the probability of each answer given the true class, with a prior, updated
/// from gold answers and finalized labels. Immutable: updates return a new value, which the caller stores.
/// </summary>
public abstract class WorkerReliability
{
    /// <summary>Probability that this worker answers <paramref name="observed"/> when the truth is <paramref name="trueClass"/>.</summary>
    public abstract double Probability(int trueClass, int observed, int classCount);

    /// <summary>
    /// Soft update: the worker answered <paramref name="observed"/> on a task whose true class has the distribution
    /// <paramref name="truePosterior"/>; <paramref name="weight"/> scales the evidence (1 = one full observation).
    /// </summary>
    public abstract WorkerReliability Observe(int observed, ReadOnlySpan<double> truePosterior, double weight = 1);

    /// <summary>Evidence seen so far, in answers (gold answers count 1, finalized ones their weight); the prior excluded.</summary>
    public abstract double Observations { get; }

    /// <summary>
    /// The worker answered <paramref name="observed"/> on a task whose truth is known to be <paramref name="truth"/> (gold,
    /// or a final label); <paramref name="weight"/> scales the evidence as in <see cref="Observe"/>.
    /// </summary>
    public WorkerReliability ObserveGold(int observed, int truth, int classCount, double weight = 1)
    {
        Span<double> oneHot = stackalloc double[classCount];
        oneHot[truth] = 1;
        return Observe(observed, oneHot, weight);
    }

    /// <summary>
    /// The suspension rule: true once the worker has at least <paramref name="minObservations"/> answers of evidence and
    /// the posterior probability that their expected accuracy (weighted by <paramref name="classWeights"/>, uniform when
    /// empty) is below <paramref name="floor"/> reaches <paramref name="confidence"/>. Judging the probability rather than
    /// the point estimate suspends a clear spammer after a handful of answers and spares a fair worker's unlucky streak.
    /// </summary>
    public bool IsBelowFloor(
        double floor, double confidence, double minObservations, int classCount, ReadOnlySpan<double> classWeights = default) =>
        Observations + EvidenceRounding >= minObservations && ProbabilityBelow(floor, classCount, classWeights) >= confidence;

    /// <summary>Shares of one answer add up in floating point: fifteen lessons of 1/3 make 4.999999999999999 answers.</summary>
    private const double EvidenceRounding = 1e-9;

    /// <summary>
    /// Posterior probability that the expected accuracy is below <paramref name="floor"/>, by a normal approximation to
    /// the posterior of the accuracy (its mean and variance are exact).
    /// </summary>
    public double ProbabilityBelow(double floor, int classCount, ReadOnlySpan<double> classWeights = default)
    {
        var mean = ExpectedAccuracy(classCount, classWeights);
        var variance = AccuracyVariance(classCount, classWeights);
        return variance > 0 ? StandardNormalCdf((floor - mean) / Math.Sqrt(variance)) : mean < floor ? 1 : 0;
    }

    /// <summary>Posterior variance of <see cref="ExpectedAccuracy"/> with the same weights.</summary>
    public abstract double AccuracyVariance(int classCount, ReadOnlySpan<double> classWeights = default);

    /// <summary>Variance of a Beta(a, b) variable.</summary>
    protected static double BetaVariance(double a, double b) => a * b / ((a + b) * (a + b) * (a + b + 1));

    /// <summary>Phi(z) from erfc by Abramowitz and Stegun 7.1.26 (absolute error under 1.5e-7, ample for a rule).</summary>
    private static double StandardNormalCdf(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + (0.3275911 * x));
        var poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        var upperTail = 0.5 * poly * Math.Exp(-x * x);
        return z >= 0 ? 1 - upperTail : upperTail;
    }

    /// <summary>Probability of a correct answer, averaged over classes with the given weights (uniform when empty).</summary>
    public double ExpectedAccuracy(int classCount, ReadOnlySpan<double> classWeights = default)
    {
        var sum = 0.0;
        for (var c = 0; c < classCount; c++)
        {
            sum += (classWeights.IsEmpty ? 1.0 / classCount : classWeights[c]) * Probability(c, c, classCount);
        }

        return sum;
    }
}

/// <summary>
/// One-coin reliability: the worker is right with probability <see cref="Accuracy"/> whatever the class, and a wrong
/// answer is any other class with equal probability. Accuracy has a Beta(<see cref="Correct"/>, <see cref="Incorrect"/>)
/// posterior; the counts include the prior's pseudo-counts.
/// </summary>
public sealed class OneCoinReliability : WorkerReliability
{
    /// <summary>A new worker: Beta(4, 1), a prior mean accuracy of 0.8 worth five answers.</summary>
    public static OneCoinReliability NewWorker { get; } = new(4, 1);

    public OneCoinReliability(double correct, double incorrect, double observations = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(observations);
        if (!(correct > 0) || !(incorrect > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(correct), "Beta parameters must be positive");
        }

        Correct = correct;
        Incorrect = incorrect;
        Observations = observations;
    }

    public override double Observations { get; }

    /// <summary>Beta alpha: prior pseudo-count plus (expected) correct answers.</summary>
    public double Correct { get; }

    /// <summary>Beta beta: prior pseudo-count plus (expected) wrong answers.</summary>
    public double Incorrect { get; }

    /// <summary>Posterior mean accuracy.</summary>
    public double Accuracy => Correct / (Correct + Incorrect);

    public override double Probability(int trueClass, int observed, int classCount) =>
        trueClass == observed ? Accuracy : classCount > 1 ? (1 - Accuracy) / (classCount - 1) : 0;

    /// <summary>One accuracy for every class, so any class weights that sum to 1 leave the Beta's variance.</summary>
    public override double AccuracyVariance(int classCount, ReadOnlySpan<double> classWeights = default) =>
        BetaVariance(Correct, Incorrect);

    public override OneCoinReliability Observe(int observed, ReadOnlySpan<double> truePosterior, double weight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        var right = truePosterior[observed];
        return new OneCoinReliability(Correct + (weight * right), Incorrect + (weight * (1 - right)), Observations + weight);
    }
}

/// <summary>
/// Confusion-matrix reliability (Dawid-Skene): one Dirichlet per true class over the answers, stored as counts that
/// include the prior's pseudo-counts. Captures class-specific bias (for example a worker who over-calls "nodule").
/// </summary>
public sealed class ConfusionReliability : WorkerReliability
{
    private readonly double[] _counts;

    /// <summary>Counts in row-major order: counts[trueClass * K + observed]; every count must be positive.</summary>
    public ConfusionReliability(int classCount, IReadOnlyList<double> counts, double observations = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(observations);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (counts.Count != classCount * classCount)
        {
            throw new ArgumentException("counts must be K x K");
        }

        _counts = [.. counts];
        if (_counts.Any(c => !(c > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(counts), "Dirichlet counts must be positive");
        }

        ClassCount = classCount;
        Observations = observations;
    }

    public int ClassCount { get; }

    public override double Observations { get; }

    /// <summary>
    /// A new worker: each row puts <paramref name="diagonal"/> pseudo-counts on the right answer and
    /// <paramref name="offDiagonal"/> on each wrong one (default 4 and 1/(K-1): mean accuracy 0.8, five answers' worth).
    /// </summary>
    public static ConfusionReliability NewWorker(int classCount, double diagonal = 4, double? offDiagonal = null)
    {
        var off = offDiagonal ?? (classCount > 1 ? 1.0 / (classCount - 1) : 1.0);
        var counts = new double[classCount * classCount];
        for (var t = 0; t < classCount; t++)
        {
            for (var o = 0; o < classCount; o++)
            {
                counts[(t * classCount) + o] = t == o ? diagonal : off;
            }
        }

        return new ConfusionReliability(classCount, counts);
    }

    /// <summary>Pseudo-count of answer <paramref name="observed"/> on tasks whose truth is <paramref name="trueClass"/>.</summary>
    public double Count(int trueClass, int observed) => _counts[(trueClass * ClassCount) + observed];

    /// <summary>A copy of the counts (row-major, true class by observed answer), for storage.</summary>
    public double[] ToArray() => [.. _counts];

    public override double Probability(int trueClass, int observed, int classCount)
    {
        if (classCount != ClassCount)
        {
            throw new ArgumentException($"reliability has {ClassCount} classes, task has {classCount}");
        }

        var row = _counts.AsSpan(trueClass * ClassCount, ClassCount);
        var sum = 0.0;
        foreach (var c in row)
        {
            sum += c;
        }

        return row[observed] / sum;
    }

    /// <summary>
    /// Each row is its own Dirichlet, so the diagonal cells are independent Beta(count on the right answer, the rest)
    /// variables and the weighted sum's variance is the weighted sum of their variances.
    /// </summary>
    public override double AccuracyVariance(int classCount, ReadOnlySpan<double> classWeights = default)
    {
        var variance = 0.0;
        for (var t = 0; t < ClassCount; t++)
        {
            var row = _counts.AsSpan(t * ClassCount, ClassCount);
            var sum = 0.0;
            foreach (var c in row)
            {
                sum += c;
            }

            var weight = classWeights.IsEmpty ? 1.0 / ClassCount : classWeights[t];
            variance += weight * weight * BetaVariance(row[t], sum - row[t]);
        }

        return variance;
    }

    public override ConfusionReliability Observe(int observed, ReadOnlySpan<double> truePosterior, double weight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        var counts = ToArray();
        for (var t = 0; t < ClassCount; t++)
        {
            counts[(t * ClassCount) + observed] += weight * truePosterior[t];
        }

        return new ConfusionReliability(ClassCount, counts, Observations + weight);
    }
}
