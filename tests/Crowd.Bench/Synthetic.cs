using System.Globalization;
using System.Text;
using Crowd.Consensus.Engine;

namespace Crowd.Bench;

/// <summary>The seeded synthetic crowd of the speed benchmark: 100,000 tasks x 10 labels, 1,000 workers, 5 classes.</summary>
internal sealed class Synthetic
{
    public const int Tasks = 100_000;
    public const int LabelsPerTask = 10;
    public const int Workers = 1_000;
    public const int Classes = 5;

    private Synthetic(int[] items, int[] workers, int[] labels, int[] truth)
    {
        Items = items;
        WorkerOf = workers;
        Labels = labels;
        Truth = truth;
    }

    public int[] Items { get; }

    public int[] WorkerOf { get; }

    public int[] Labels { get; }

    public int[] Truth { get; }

    /// <summary>Workers have confusion matrices with accuracy uniform in [0.35, 0.95] and errors spread unevenly.</summary>
    public static Synthetic Generate(int seed = 20261126)
    {
        var rng = new Random(seed);
        var prior = new[] { 0.35, 0.25, 0.2, 0.12, 0.08 };
        var confusion = new double[Workers * Classes * Classes];
        for (var w = 0; w < Workers; w++)
        {
            for (var t = 0; t < Classes; t++)
            {
                var row = confusion.AsSpan(((w * Classes) + t) * Classes, Classes);
                var accuracy = 0.35 + (0.6 * rng.NextDouble());
                var rest = 0.0;
                for (var o = 0; o < Classes; o++)
                {
                    row[o] = o == t ? 0 : rng.NextDouble();
                    rest += row[o];
                }

                for (var o = 0; o < Classes; o++)
                {
                    row[o] = o == t ? accuracy : (1 - accuracy) * row[o] / rest;
                }
            }
        }

        var n = Tasks * LabelsPerTask;
        var items = new int[n];
        var workers = new int[n];
        var labels = new int[n];
        var truth = new int[Tasks];
        var chosen = new HashSet<int>();
        var r = 0;
        for (var i = 0; i < Tasks; i++)
        {
            truth[i] = Sample(rng, prior);
            chosen.Clear();
            while (chosen.Count < LabelsPerTask)
            {
                var w = rng.Next(Workers);
                if (!chosen.Add(w))
                {
                    continue;
                }

                items[r] = i;
                workers[r] = w;
                labels[r] = Sample(rng, confusion.AsSpan(((w * Classes) + truth[i]) * Classes, Classes));
                r++;
            }
        }

        return new Synthetic(items, workers, labels, truth);
    }

    public CrowdLabels ToLabels() => CrowdLabels.Create(Tasks, Workers, Classes, Items, WorkerOf, Labels);

    public void WriteCsv(string labelsPath, string truthPath)
    {
        using (var writer = new StreamWriter(labelsPath, false, new UTF8Encoding(false), 1 << 16))
        {
            writer.NewLine = "\n";
            writer.WriteLine("item,worker,label");
            for (var r = 0; r < Items.Length; r++)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"t{Items[r]},w{WorkerOf[r]},c{Labels[r]}"));
            }
        }

        using var truthWriter = new StreamWriter(truthPath, false, new UTF8Encoding(false), 1 << 16);
        truthWriter.NewLine = "\n";
        truthWriter.WriteLine("item,truth");
        for (var i = 0; i < Truth.Length; i++)
        {
            truthWriter.WriteLine(string.Create(CultureInfo.InvariantCulture, $"t{i},c{Truth[i]}"));
        }
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
