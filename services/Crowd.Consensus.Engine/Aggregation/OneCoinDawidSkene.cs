namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>
/// One-coin Dawid-Skene EM: each worker has one accuracy; a wrong answer is spread evenly over the other classes.
/// Needs far fewer parameters than the full model, so it is steadier on workers with few labels.
/// </summary>
public static class OneCoinDawidSkene
{
    public static OneCoinFit Run(CrowdLabels data, EmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= EmOptions.Default;
        var k = data.ClassCount;
        var gold = options.GoldArray(data.ItemCount, k);
        var t = EmCommon.Start(data, gold, options);
        var logPrior = new double[k];
        var accuracy = new double[data.WorkerCount];
        var logRight = new double[data.WorkerCount];
        var logWrong = new double[data.WorkerCount];
        var hits = new double[data.WorkerCount];
        var totals = new double[data.WorkerCount];
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        var acc = new double[k];
        var ll = double.NaN;
        var iterations = 0;
        var converged = false;
        var s = options.Smoothing;

        while (iterations < options.MaxIterations)
        {
            Array.Clear(hits);
            Array.Clear(totals);
            for (var i = 0; i < data.ItemCount; i++)
            {
                var row = t.AsSpan(i * k, k);
                for (var r = start[i]; r < start[i + 1]; r++)
                {
                    hits[workers[r]] += row[labels[r]];
                    totals[workers[r]]++;
                }
            }

            for (var w = 0; w < accuracy.Length; w++)
            {
                var a = totals[w] + (2 * s) > 0 ? (hits[w] + s) / (totals[w] + (2 * s)) : 0.5;
                accuracy[w] = a;
                logRight[w] = Math.Log(Math.Max(a, EmCommon.MinProbability));
                logWrong[w] = k > 1 ? Math.Log(Math.Max((1 - a) / (k - 1), EmCommon.MinProbability)) : 0;
            }

            EmCommon.UpdateLogPrior(data, gold, t, s, logPrior, options.EstimateClassPrior ?? false);
            iterations++;

            var previous = ll;
            ll = 0;
            for (var i = 0; i < data.ItemCount; i++)
            {
                var wrongSum = 0.0;
                Array.Copy(logPrior, acc, k);
                for (var r = start[i]; r < start[i + 1]; r++)
                {
                    var w = workers[r];
                    wrongSum += logWrong[w];
                    acc[labels[r]] += logRight[w] - logWrong[w];
                }

                for (var c = 0; c < k; c++)
                {
                    acc[c] += wrongSum;
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
        return new OneCoinFit(new AggregationResult(k, chosen, t, iterations, converged, ll), accuracy, prior);
    }
}

/// <summary>The result of a one-coin fit: labels, each worker's estimated accuracy and the class priors.</summary>
public sealed record OneCoinFit(AggregationResult Result, IReadOnlyList<double> WorkerAccuracy, IReadOnlyList<double> ClassPrior);
