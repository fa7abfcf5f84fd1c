namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>
/// Full Dawid-Skene EM (Dawid and Skene 1979): a confusion matrix per worker and class priors, initialised from
/// each item's vote shares. Repeated observations of an item by the same worker each count once.
/// </summary>
public static class DawidSkene
{
    public static DawidSkeneFit Run(CrowdLabels data, EmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= EmOptions.Default;
        var k = data.ClassCount;
        var kk = k * k;
        var gold = options.GoldArray(data.ItemCount, k);
        var t = EmCommon.VoteShares(data, gold);
        var logPrior = new double[k];
        // Layout [worker][observed][true]: one observation reads K contiguous values.
        var logConf = new double[data.WorkerCount * kk];
        var counts = new double[data.WorkerCount * kk];
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        var acc = new double[k];
        var ll = double.NaN;
        var iterations = 0;
        var converged = false;

        while (iterations < options.MaxIterations)
        {
            MStep(data, t, gold, options.Smoothing, options.EstimateClassPrior ?? true, counts, logConf, logPrior);
            iterations++;

            var previous = ll;
            ll = 0;
            for (var i = 0; i < data.ItemCount; i++)
            {
                Array.Copy(logPrior, acc, k);
                for (var r = start[i]; r < start[i + 1]; r++)
                {
                    var row = logConf.AsSpan(((workers[r] * k) + labels[r]) * k, k);
                    for (var c = 0; c < k; c++)
                    {
                        acc[c] += row[c];
                    }
                }

                ll += EmCommon.Normalise(acc, t.AsSpan(i * k, k), gold[i]);
            }

            if (EmCommon.Converged(previous, ll, options.Tolerance))
            {
                converged = true;
                break;
            }
        }

        var prior = EmCommon.PriorFromLog(logPrior);
        var chosen = AggregationResult.ArgMax(t, data.ItemCount, k, prior);
        var conf = new double[logConf.Length];
        for (var x = 0; x < conf.Length; x++)
        {
            conf[x] = Math.Exp(logConf[x]);
        }

        return new DawidSkeneFit(
            new AggregationResult(k, chosen, t, iterations, converged, ll),
            new DawidSkeneModel(k, data.WorkerCount, prior, conf));
    }

    private static void MStep(CrowdLabels data, double[] t, int[] gold, double smoothing, bool estimatePrior, double[] counts, double[] logConf, double[] logPrior)
    {
        var k = data.ClassCount;
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        Array.Fill(counts, smoothing);
        for (var i = 0; i < data.ItemCount; i++)
        {
            var row = t.AsSpan(i * k, k);
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                var cell = counts.AsSpan(((workers[r] * k) + labels[r]) * k, k);
                for (var c = 0; c < k; c++)
                {
                    cell[c] += row[c];
                }
            }
        }

        // Normalise over the observed label for each (worker, true class).
        var kk = k * k;
        Span<double> denominators = stackalloc double[k];
        for (var w = 0; w < data.WorkerCount; w++)
        {
            var block = counts.AsSpan(w * kk, kk);
            denominators.Clear();
            for (var l = 0; l < k; l++)
            {
                for (var c = 0; c < k; c++)
                {
                    denominators[c] += block[(l * k) + c];
                }
            }

            var target = logConf.AsSpan(w * kk, kk);
            for (var l = 0; l < k; l++)
            {
                for (var c = 0; c < k; c++)
                {
                    // A worker with no (expected) items of class c says nothing about it: uniform row, not 0/0.
                    var p = denominators[c] > 0 ? block[(l * k) + c] / denominators[c] : 1.0 / k;
                    target[(l * k) + c] = Math.Log(Math.Max(p, EmCommon.MinProbability));
                }
            }
        }

        EmCommon.UpdateLogPrior(data, gold, t, smoothing, logPrior, estimatePrior);
    }
}

/// <summary>The result of a Dawid-Skene fit: labels and the estimated model.</summary>
public sealed record DawidSkeneFit(AggregationResult Result, DawidSkeneModel Model);

/// <summary>Estimated class priors and per-worker confusion matrices.</summary>
public sealed class DawidSkeneModel
{
    private readonly double[] _prior;
    private readonly double[] _confusion;

    internal DawidSkeneModel(int classCount, int workerCount, double[] prior, double[] confusion)
    {
        ClassCount = classCount;
        WorkerCount = workerCount;
        _prior = prior;
        _confusion = confusion;
    }

    public int ClassCount { get; }

    public int WorkerCount { get; }

    /// <summary>Estimated share of items in each class.</summary>
    public ReadOnlySpan<double> ClassPrior => _prior;

    /// <summary>Estimated probability that <paramref name="worker"/> answers <paramref name="observed"/> when the truth is <paramref name="trueClass"/>.</summary>
    public double Confusion(int worker, int trueClass, int observed) =>
        _confusion[(((worker * ClassCount) + observed) * ClassCount) + trueClass];
}
