using System.Globalization;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Bench;

/// <summary>Dawid-Skene accuracy on each real dataset as the smoothing pseudo-count varies (0 = plain maximum likelihood).</summary>
internal static class SmoothingBench
{
    private static readonly double[] Smoothings = [0, 1e-6, 1e-4, 1e-2, 1];

    public static int Run(string dataRoot)
    {
        Console.WriteLine($"| dataset | {string.Join(" | ", Smoothings.Select(s => "DS, smoothing " + s.ToString("G", CultureInfo.InvariantCulture)))} |");
        Console.WriteLine($"|---|{string.Concat(Smoothings.Select(_ => "---|"))}");
        foreach (var dir in Directory.GetDirectories(dataRoot).Order(StringComparer.Ordinal))
        {
            var truthPath = Path.Combine(dir, "truth.csv");
            if (!File.Exists(truthPath))
            {
                continue;
            }

            var table = CrowdCsv.ReadLabels(Path.Combine(dir, "labels.csv")).Build();
            var truth = CrowdCsv.ReadTruth(truthPath);
            var cells = Smoothings.Select(s =>
            {
                var result = DawidSkene.Run(table.Labels, new EmOptions { Smoothing = s }).Result;
                var (correct, n) = table.Score(result.Labels, truth);
                return string.Create(CultureInfo.InvariantCulture, $"{correct / (double)n:0.0000} ({result.Iterations} it)");
            });
            Console.WriteLine($"| {Path.GetFileName(dir)} | {string.Join(" | ", cells)} |");
        }

        return 0;
    }
}
