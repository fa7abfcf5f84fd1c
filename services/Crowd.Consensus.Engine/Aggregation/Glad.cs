namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>
/// GLAD (Whitehill et al., NIPS 2009): worker ability alpha and item easiness beta = exp(b) &gt; 0; a worker is right
/// with probability sigmoid(alpha * beta) and otherwise picks one of the other classes uniformly. EM with a few
/// diagonal Newton steps per M-step and Gaussian priors alpha ~ N(1, 1), b ~ N(0, 1).
/// </summary>
public static class Glad
{
    private const double AlphaPriorMean = 1.0;
    private const double LogBetaPriorMean = 0.0;
    private const int NewtonSteps = 3;

    public static GladFit Run(CrowdLabels data, EmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= EmOptions.Default;
        var k = data.ClassCount;
        var gold = options.GoldArray(data.ItemCount, k);
        var t = EmCommon.Start(data, gold, options);
        var logPrior = new double[k];
        var alpha = new double[data.WorkerCount];
        var b = new double[data.ItemCount];
        Array.Fill(alpha, AlphaPriorMean);
        Array.Fill(b, LogBetaPriorMean);
        var gradA = new double[data.WorkerCount];
        var hessA = new double[data.WorkerCount];
        var start = data.ItemStartArray;
        var workers = data.WorkerArray;
        var labels = data.LabelArray;
        var acc = new double[k];
        var ll = double.NaN;
        var iterations = 0;
        var converged = false;
        var logKm1 = k > 1 ? Math.Log(k - 1) : 0;

        while (iterations < options.MaxIterations)
        {
            EmCommon.UpdateLogPrior(data, gold, t, options.Smoothing, logPrior, options.EstimateClassPrior ?? false);
            for (var step = 0; step < NewtonSteps; step++)
            {
                // Abilities given easiness.
                for (var w = 0; w < alpha.Length; w++)
                {
                    gradA[w] = -(alpha[w] - AlphaPriorMean);
                    hessA[w] = 1;
                }

                for (var i = 0; i < data.ItemCount; i++)
                {
                    var beta = Math.Exp(b[i]);
                    for (var r = start[i]; r < start[i + 1]; r++)
                    {
                        var w = workers[r];
                        var p = t[(i * k) + labels[r]];
                        var sg = Sigmoid(alpha[w] * beta);
                        gradA[w] += (p - sg) * beta;
                        hessA[w] += sg * (1 - sg) * beta * beta;
                    }
                }

                for (var w = 0; w < alpha.Length; w++)
                {
                    alpha[w] += Math.Clamp(gradA[w] / hessA[w], -2, 2);
                }

                // Easiness given abilities.
                for (var i = 0; i < data.ItemCount; i++)
                {
                    var beta = Math.Exp(b[i]);
                    var g = -(b[i] - LogBetaPriorMean);
                    var h = 1.0;
                    for (var r = start[i]; r < start[i + 1]; r++)
                    {
                        var a = alpha[workers[r]];
                        var p = t[(i * k) + labels[r]];
                        var sg = Sigmoid(a * beta);
                        g += (p - sg) * a * beta;
                        h += sg * (1 - sg) * a * a * beta * beta;
                    }

                    b[i] = Math.Clamp(b[i] + Math.Clamp(g / h, -2, 2), -8, 8);
                }
            }

            iterations++;
            var previous = ll;
            ll = 0;
            for (var i = 0; i < data.ItemCount; i++)
            {
                var beta = Math.Exp(b[i]);
                var wrongSum = 0.0;
                Array.Copy(logPrior, acc, k);
                for (var r = start[i]; r < start[i + 1]; r++)
                {
                    var x = alpha[workers[r]] * beta;
                    // log sigmoid(x) and log(1 - sigmoid(x)) without overflow.
                    var logRight = -Softplus(-x);
                    var logWrong = -Softplus(x) - logKm1;
                    wrongSum += logWrong;
                    acc[labels[r]] += logRight - logWrong;
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
        var easiness = new double[b.Length];
        for (var i = 0; i < b.Length; i++)
        {
            easiness[i] = Math.Exp(b[i]);
        }

        return new GladFit(new AggregationResult(k, chosen, t, iterations, converged, ll), alpha, easiness);
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static double Softplus(double x) => x > 30 ? x : double.LogP1(Math.Exp(x));
}

/// <summary>The result of a GLAD fit: labels, worker abilities (alpha) and item easiness (beta).</summary>
public sealed record GladFit(AggregationResult Result, IReadOnlyList<double> WorkerAbility, IReadOnlyList<double> ItemEasiness);
