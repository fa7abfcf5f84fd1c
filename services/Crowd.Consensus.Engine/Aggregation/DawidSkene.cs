using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>
/// Full Dawid-Skene EM (Dawid and Skene 1979): a confusion matrix per worker and class priors, initialised from
/// each item's vote shares. A worker who labels an item several times contributes every row as one observation.
/// </summary>
public static class DawidSkene
{
    public static DawidSkeneFit Run(CrowdLabels data, EmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= EmOptions.Default;
        var k = data.ClassCount;
        var estimatePrior = options.EstimateClassPrior ?? true;
        var gold = options.GoldArray(data.ItemCount, k);
        var t = EmCommon.Start(data, gold, options);
        var logPrior = new double[k];
        var priorSums = new double[k];
        // Layout [worker][observed][true]: one observation reads (and adds) K contiguous values.
        var logConf = new double[data.WorkerCount * k * k];
        var counts = new double[logConf.Length];
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        Span<double> acc = stackalloc double[k];
        var ll = double.NaN;
        var iterations = 0;
        var converged = false;

        // Initial M-step from the vote shares.
        Accumulate(data, t, gold, options.Smoothing, counts, priorSums);
        Normalise(counts, priorSums, k, estimatePrior, logConf, logPrior);

        ref var confBase = ref MemoryMarshal.GetArrayDataReference(logConf);
        ref var countBase = ref MemoryMarshal.GetArrayDataReference(counts);
        while (iterations < options.MaxIterations)
        {
            iterations++;
            var previous = ll;
            ll = 0;
            Array.Fill(counts, options.Smoothing);
            priorSums.AsSpan().Fill(options.Smoothing);

            // One pass per iteration: the E-step for an item, then its share of the next M-step's counts.
            for (var i = 0; i < data.ItemCount; i++)
            {
                var first = start[i];
                var end = start[i + 1];
                logPrior.CopyTo(acc);
                for (var r = first; r < end; r++)
                {
                    ref var row = ref Unsafe.Add(ref confBase, ((workers[r] * k) + labels[r]) * k);
                    for (var c = 0; c < acc.Length; c++)
                    {
                        acc[c] += Unsafe.Add(ref row, c);
                    }
                }

                var posterior = t.AsSpan(i * k, k);
                ll += EmCommon.Normalise(acc, posterior, gold[i]);
                if (end == first && gold[i] < 0)
                {
                    continue;
                }

                for (var c = 0; c < posterior.Length; c++)
                {
                    priorSums[c] += posterior[c];
                }

                for (var r = first; r < end; r++)
                {
                    ref var cell = ref Unsafe.Add(ref countBase, ((workers[r] * k) + labels[r]) * k);
                    for (var c = 0; c < posterior.Length; c++)
                    {
                        Unsafe.Add(ref cell, c) += posterior[c];
                    }
                }
            }

            Normalise(counts, priorSums, k, estimatePrior, logConf, logPrior);
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

    private static void Accumulate(CrowdLabels data, double[] t, int[] gold, double smoothing, double[] counts, double[] priorSums)
    {
        var k = data.ClassCount;
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        Array.Fill(counts, smoothing);
        priorSums.AsSpan().Fill(smoothing);
        for (var i = 0; i < data.ItemCount; i++)
        {
            if (start[i + 1] == start[i] && gold[i] < 0)
            {
                continue;
            }

            var row = t.AsSpan(i * k, k);
            for (var c = 0; c < k; c++)
            {
                priorSums[c] += row[c];
            }

            for (var r = start[i]; r < start[i + 1]; r++)
            {
                var cell = counts.AsSpan(((workers[r] * k) + labels[r]) * k, k);
                for (var c = 0; c < k; c++)
                {
                    cell[c] += row[c];
                }
            }
        }
    }

    /// <summary>M-step from accumulated counts: each (worker, true class) normalised over the observed label, and the prior.</summary>
    private static void Normalise(double[] counts, double[] priorSums, int k, bool estimatePrior, double[] logConf, double[] logPrior)
    {
        var kk = k * k;
        Span<double> denominators = stackalloc double[k];
        for (var w = 0; w < counts.Length / kk; w++)
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

        var total = 0.0;
        foreach (var x in priorSums)
        {
            total += x;
        }

        for (var c = 0; c < k; c++)
        {
            logPrior[c] = estimatePrior && total > 0 ? Math.Log(Math.Max(priorSums[c] / total, EmCommon.MinProbability)) : -Math.Log(k);
        }
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
