using System.Globalization;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Bench;

/// <summary>Accuracy of every method on every real dataset in the repository's data/, scored as its README says.</summary>
internal static class QualityBench
{
    public static int Run(string dataRoot)
    {
        if (!Directory.Exists(dataRoot))
        {
            Console.Error.WriteLine($"data folder not found: {dataRoot}");
            return 2;
        }

        var methods = Aggregator.Methods;
        Console.WriteLine($"| dataset | items | scored | mv (random ties, expectation) | {string.Join(" | ", methods.Select(m => m.Name))} |");
        Console.WriteLine($"|---|---|---|---|{string.Concat(methods.Select(_ => "---|"))}");
        foreach (var dir in Directory.GetDirectories(dataRoot).Order(StringComparer.Ordinal))
        {
            var labelsPath = Path.Combine(dir, "labels.csv");
            var truthPath = Path.Combine(dir, "truth.csv");
            if (!File.Exists(labelsPath))
            {
                continue;
            }

            var table = CrowdCsv.ReadLabels(labelsPath).Build();
            var name = Path.GetFileName(dir);
            if (!File.Exists(truthPath))
            {
                var cells = methods.Select(m => Aggregator.Run(m.Method, table.Labels)).Select(r => $"n/a ({r.Iterations} it)");
                Console.WriteLine($"| {name} | {table.Labels.ItemCount} | none | n/a | {string.Join(" | ", cells)} |");
                continue;
            }

            var truth = CrowdCsv.ReadTruth(truthPath);
            var scores = new List<string>();
            var scored = 0;
            foreach (var (_, method) in methods)
            {
                var result = Aggregator.Run(method, table.Labels);
                var (correct, n) = table.Score(result.Labels, truth);
                scored = n;
                scores.Add((correct / (double)n).ToString("0.0000", CultureInfo.InvariantCulture));
            }

            var expectation = RandomTieExpectation(table, truth).ToString("0.0000", CultureInfo.InvariantCulture);
            Console.WriteLine($"| {name} | {table.Labels.ItemCount} | {scored} | {expectation} | {string.Join(" | ", scores)} |");
        }

        return 0;
    }

    /// <summary>
    /// Majority vote with ties broken uniformly at random, as an expectation (the README's reference MV): an item whose
    /// top vote count is shared by t classes, the truth among them, counts 1/t.
    /// </summary>
    public static double RandomTieExpectation(Crowd.Consensus.Engine.LabelTable table, IReadOnlyDictionary<string, string> truth)
    {
        var data = table.Labels;
        var votes = new int[data.ClassCount];
        var credit = 0.0;
        var n = 0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            if (data.LabelCount(i) == 0 || !truth.TryGetValue(table.ItemNames[i], out var t))
            {
                continue;
            }

            n++;
            Array.Clear(votes);
            for (var r = data.ItemStart[i]; r < data.ItemStart[i + 1]; r++)
            {
                votes[data.Labels[r]]++;
            }

            var top = votes.Max();
            var tied = votes.Count(v => v == top);
            var truthClass = table.ClassIndex(t);
            if (truthClass >= 0 && votes[truthClass] == top)
            {
                credit += 1.0 / tied;
            }
        }

        return credit / n;
    }
}
