namespace Crowd.Bench;

/// <summary>
/// The baseline for the speed ratio: Dawid-Skene written the obvious way (dictionaries keyed by worker, LINQ, fresh
/// arrays every iteration), as a straightforward port of a textbook implementation would be.
/// </summary>
internal static class NaiveDawidSkene
{
    public static int[] Run(IReadOnlyList<(int Item, int Worker, int Label)> rows, int classes, int iterations)
    {
        var byItem = rows.GroupBy(r => r.Item).ToDictionary(g => g.Key, g => g.ToList());
        var t = byItem.ToDictionary(kv => kv.Key, kv =>
        {
            var p = new double[classes];
            foreach (var r in kv.Value)
            {
                p[r.Label] += 1.0 / kv.Value.Count;
            }

            return p;
        });
        for (var it = 0; it < iterations; it++)
        {
            var counts = new Dictionary<int, double[,]>();
            foreach (var (item, labels) in byItem)
            {
                foreach (var r in labels)
                {
                    if (!counts.TryGetValue(r.Worker, out var m))
                    {
                        m = new double[classes, classes];
                        counts[r.Worker] = m;
                    }

                    for (var c = 0; c < classes; c++)
                    {
                        m[c, r.Label] += t[item][c];
                    }
                }
            }

            var prior = Enumerable.Range(0, classes).Select(c => t.Values.Sum(p => p[c]) / t.Count).ToArray();
            foreach (var m in counts.Values)
            {
                for (var c = 0; c < classes; c++)
                {
                    var s = Enumerable.Range(0, classes).Sum(l => m[c, l] + 0.01);
                    for (var l = 0; l < classes; l++)
                    {
                        m[c, l] = (m[c, l] + 0.01) / s;
                    }
                }
            }

            foreach (var (item, labels) in byItem)
            {
                var p = prior.ToArray();
                foreach (var r in labels)
                {
                    for (var c = 0; c < classes; c++)
                    {
                        p[c] *= counts[r.Worker][c, r.Label];
                    }
                }

                var sum = p.Sum();
                t[item] = p.Select(x => x / sum).ToArray();
            }
        }

        return t.OrderBy(kv => kv.Key).Select(kv => Array.IndexOf(kv.Value, kv.Value.Max())).ToArray();
    }
}
