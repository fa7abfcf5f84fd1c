using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Consensus.Engine.Tests.Aggregation;

/// <summary>Relabels items, workers and classes by random permutations and shuffles the rows.</summary>
internal sealed record Permutation(CrowdLabels Labels, int[] ItemMap, int[] ClassMap)
{
    public static Permutation Apply(CrowdLabels data, int seed)
    {
        var rng = new Random(seed);
        var itemMap = Enumerable.Range(0, data.ItemCount).OrderBy(_ => rng.Next()).ToArray();
        var workerMap = Enumerable.Range(0, data.WorkerCount).OrderBy(_ => rng.Next()).ToArray();
        var classMap = Enumerable.Range(0, data.ClassCount).OrderBy(_ => rng.Next()).ToArray();
        var rows = new List<(int I, int W, int L)>();
        for (var i = 0; i < data.ItemCount; i++)
        {
            for (var r = data.ItemStart[i]; r < data.ItemStart[i + 1]; r++)
            {
                rows.Add((itemMap[i], workerMap[data.Workers[r]], classMap[data.Labels[r]]));
            }
        }

        rows = [.. rows.OrderBy(_ => rng.Next())];
        var labels = CrowdLabels.Create(
            data.ItemCount, data.WorkerCount, data.ClassCount,
            rows.Select(r => r.I).ToArray(), rows.Select(r => r.W).ToArray(), rows.Select(r => r.L).ToArray());
        return new Permutation(labels, itemMap, classMap);
    }

    public static void AssertSamePosteriors(AggregationResult baseline, AggregationResult permuted, Permutation p)
    {
        for (var i = 0; i < baseline.ItemCount; i++)
        {
            var a = baseline.Posterior(i);
            var b = permuted.Posterior(p.ItemMap[i]);
            for (var c = 0; c < baseline.ClassCount; c++)
            {
                Assert.That(b[p.ClassMap[c]], Is.EqualTo(a[c]).Within(1e-7), $"item {i} class {c}");
            }
        }
    }
}
