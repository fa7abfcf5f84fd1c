using System.Globalization;
using System.Text.RegularExpressions;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Bench;

/// <summary>Accuracy of every method on every real dataset in the repository's data/, scored as its README says.</summary>
internal static class QualityBench
{
    // The replay runs at the simulated medical crowd's headline settings (redundancy 1 to 7, thresholds 0.9 and 0.95), so
    // that its figures on real crowds read against the simulator's.
    private const int ReplayMin = 1;
    private const int ReplayMax = 7;
    private static readonly double[] ReplayThresholds = [0.9, 0.95];

    public static int Run(string dataRoot)
    {
        if (!Directory.Exists(dataRoot))
        {
            Console.Error.WriteLine($"data folder not found: {dataRoot}");
            return 2;
        }

        var methods = Aggregator.Methods;
        var replays = new List<DatasetReplay>();
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
            var accuracies = new List<double>();
            var scored = 0;
            foreach (var (_, method) in methods)
            {
                var result = Aggregator.Run(method, table.Labels);
                var (correct, n) = table.Score(result.Labels, truth);
                scored = n;
                accuracies.Add(correct / (double)n);
            }

            var expectation = RandomTieExpectation(table, truth).ToString("0.0000", CultureInfo.InvariantCulture);
            Console.WriteLine($"| {name} | {table.Labels.ItemCount} | {scored} | {expectation} | {string.Join(" | ", accuracies.Select(Figure))} |");
            replays.Add(new DatasetReplay(name, table.Labels.Count, accuracies.Max(), [.. ReplayThresholds.Select(t => Replay(table, truth, t))]));
        }

        PrintReplayTable(replays, ReadmeFigures(Path.Combine(dataRoot, "README.md")));
        return 0;
    }

    private sealed record ReplayScore(double Online, double OnlineLabelShare, double Revisited, double RevisitedLabelShare, int Escalated, int Suspended);

    private sealed record DatasetReplay(string Name, int Labels, double BestBatch, IReadOnlyList<ReplayScore> Replays)
    {
        public double Best => Math.Max(BestBatch, Replays.Max(r => Math.Max(r.Online, r.Revisited)));
    }

    private static ReplayScore Replay(LabelTable table, IReadOnlyDictionary<string, string> truth, double threshold)
    {
        var replay = RecordedReplay.Run(table.Labels, ReplayMin, ReplayMax, threshold);
        var all = (double)table.Labels.Count;
        var (online, scored) = table.Score(replay.Online, truth);
        var (revisited, _) = table.Score(replay.Revisited, truth);
        return new ReplayScore(
            online / (double)scored, replay.OnlineLabelsUsed / all, revisited / (double)scored, replay.RevisitedLabelsUsed / all, replay.Escalated, replay.Suspended);
    }

    /// <summary>
    /// The platform's rule replayed, and the best of ours (every method above and every replay) against the best published
    /// figure of data/README.md where it gives one, else against its reference DS.
    /// </summary>
    private static void PrintReplayTable(IReadOnlyList<DatasetReplay> replays, Dictionary<string, (double? Published, double ReferenceDs)> readme)
    {
        var thresholds = ReplayThresholds.Select(t => Invariant($"{t}")).ToList();
        Console.WriteLine();
        Console.WriteLine(Invariant(
            $"The platform's rule replayed in file order, min {ReplayMin}, max {ReplayMax}, at thresholds {string.Join(" and ", thresholds)}: accuracy (share of the recorded labels used); items to QA / workers suspended."));
        Console.WriteLine($"| dataset | recorded labels | {string.Join(" | ", thresholds.Select(t => $"online, {t} | + revisiting, {t} | to QA / suspended, {t}"))} | best batch method | best of ours | README best published (else reference DS) | difference, points |");
        Console.WriteLine($"|---|---|{string.Concat(thresholds.Select(_ => "---|---|---|"))}---|---|---|---|");
        var published = new List<double>();
        var reference = new List<double>();
        foreach (var d in replays)
        {
            var (best, referenceDs) = readme[d.Name];
            var against = best ?? referenceDs;
            var difference = 100 * (d.Best - against);
            (best is null ? reference : published).Add(difference);
            var cells = d.Replays.Select(r => Invariant(
                $"{Figure(r.Online)} ({100 * r.OnlineLabelShare:0.0}%) | {Figure(r.Revisited)} ({100 * r.RevisitedLabelShare:0.0}%) | {r.Escalated} / {r.Suspended}"));
            Console.WriteLine(Invariant(
                $"| {d.Name} | {d.Labels} | {string.Join(" | ", cells)} | {Figure(d.BestBatch)} | {Figure(d.Best)} | {against:0.000#}{(best is null ? " (ref DS)" : "")} | {difference:+0.00;-0.00;0.00} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean difference, points: {published.Average():+0.00;-0.00} over the {published.Count} datasets with a published figure, " +
            $"{reference.Average():+0.00;-0.00} over the {reference.Count} others against the reference DS, {published.Concat(reference).Average():+0.00;-0.00} over all {published.Count + reference.Count}"));
    }

    /// <summary>
    /// data/README.md's table, per folder: the best published accuracy (the highest of the figures its "published
    /// accuracy" cell lists; null when empty) and the reference DS.
    /// </summary>
    private static Dictionary<string, (double? Published, double ReferenceDs)> ReadmeFigures(string readmePath)
    {
        var rows = File.ReadLines(readmePath).Where(l => l.StartsWith('|')).Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();
        var header = Array.IndexOf(rows[0], "folder") == 0 ? rows[0] : throw new InvalidDataException($"{readmePath}: no table of folders");
        var publishedColumn = Array.IndexOf(header, "published accuracy");
        var referenceColumn = Array.IndexOf(header, "reference DS");
        var figures = new Dictionary<string, (double?, double)>(StringComparer.Ordinal);
        foreach (var row in rows.Skip(2).Where(r => double.TryParse(r[referenceColumn], CultureInfo.InvariantCulture, out _)))
        {
            var published = Regex.Matches(row[publishedColumn], @"\d+\.\d+").Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
            figures[row[0]] = (published.Count > 0 ? published.Max() : null, double.Parse(row[referenceColumn], CultureInfo.InvariantCulture));
        }

        return figures;
    }

    private static string Figure(double accuracy) => accuracy.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Majority vote with ties broken uniformly at random, as an expectation (the README's reference MV): an item whose
    /// top vote count is shared by t classes, the truth among them, counts 1/t.
    /// </summary>
    public static double RandomTieExpectation(LabelTable table, IReadOnlyDictionary<string, string> truth)
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
