namespace Crowd.Consensus.Engine.Tests;

/// <summary>Crowd labels drawn from a known Dawid-Skene model, for recovery tests.</summary>
internal sealed class Generated
{
    public required CrowdLabels Labels { get; init; }

    public required int[] Truth { get; init; }

    /// <summary>confusion[w][t * K + o] = P(worker w answers o | truth t).</summary>
    public required double[][] Confusion { get; init; }

    public required double[] Prior { get; init; }

    public static Generated DawidSkeneModel(int seed, int items, int workers, int classes, int labelsPerItem, double minAccuracy = 0.55, double maxAccuracy = 0.9)
    {
        var rng = new Random(seed);
        var prior = new double[classes];
        for (var c = 0; c < classes; c++)
        {
            prior[c] = 1 + c;
        }

        var sum = prior.Sum();
        for (var c = 0; c < classes; c++)
        {
            prior[c] /= sum;
        }

        var confusion = new double[workers][];
        for (var w = 0; w < workers; w++)
        {
            confusion[w] = new double[classes * classes];
            for (var t = 0; t < classes; t++)
            {
                var acc = minAccuracy + ((maxAccuracy - minAccuracy) * rng.NextDouble());
                var weights = Enumerable.Range(0, classes).Select(o => o == t ? 0 : 0.2 + rng.NextDouble()).ToArray();
                var rest = weights.Sum();
                for (var o = 0; o < classes; o++)
                {
                    confusion[w][(t * classes) + o] = o == t ? acc : (1 - acc) * weights[o] / rest;
                }
            }
        }

        var truth = new int[items];
        var ii = new List<int>();
        var ww = new List<int>();
        var ll = new List<int>();
        for (var i = 0; i < items; i++)
        {
            truth[i] = Sample(rng, prior);
            foreach (var w in Enumerable.Range(0, workers).OrderBy(_ => rng.Next()).Take(labelsPerItem))
            {
                ii.Add(i);
                ww.Add(w);
                ll.Add(Sample(rng, confusion[w].AsSpan(truth[i] * classes, classes)));
            }
        }

        return new Generated
        {
            Labels = CrowdLabels.Create(items, workers, classes, ii.ToArray(), ww.ToArray(), ll.ToArray()),
            Truth = truth,
            Confusion = confusion,
            Prior = prior,
        };
    }

    /// <summary>Accuracy of the Bayes-optimal labels, computed with the true generating parameters.</summary>
    public double OracleAccuracy()
    {
        var k = Labels.ClassCount;
        var correct = 0;
        var post = new double[k];
        for (var i = 0; i < Labels.ItemCount; i++)
        {
            for (var c = 0; c < k; c++)
            {
                post[c] = Math.Log(Prior[c]);
            }

            for (var r = Labels.ItemStart[i]; r < Labels.ItemStart[i + 1]; r++)
            {
                for (var c = 0; c < k; c++)
                {
                    post[c] += Math.Log(Confusion[Labels.Workers[r]][(c * k) + Labels.Labels[r]]);
                }
            }

            correct += Array.IndexOf(post, post.Max()) == Truth[i] ? 1 : 0;
        }

        return correct / (double)Labels.ItemCount;
    }

    public double Accuracy(ReadOnlySpan<int> labels)
    {
        var correct = 0;
        for (var i = 0; i < Truth.Length; i++)
        {
            correct += labels[i] == Truth[i] ? 1 : 0;
        }

        return correct / (double)Truth.Length;
    }

    public static int Sample(Random rng, ReadOnlySpan<double> p)
    {
        var u = rng.NextDouble();
        for (var c = 0; c < p.Length - 1; c++)
        {
            u -= p[c];
            if (u < 0)
            {
                return c;
            }
        }

        return p.Length - 1;
    }
}
