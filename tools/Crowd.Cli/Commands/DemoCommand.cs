using System.Globalization;
using Crowd.Cli.Auth;
using Crowd.Cli.Simulation;

namespace Crowd.Cli.Commands;

/// <summary><c>crowd demo [--gateway URL] [--key-file F] [--items N] [--seed S]</c>: a whole simulated marketplace, with a summary.</summary>
public static class DemoCommand
{
    public static CommandSyntax Syntax { get; } = new(
        "crowd demo [--items 200] [--seed 7] [--gateway http://127.0.0.1:5100] [--key-file .crowd/jwt.key]", ["items", "seed", "gateway", "key-file"]);

    public static async Task<int> RunAsync(CommandLine line)
    {
        var options = new MarketplaceOptions { Items = line.Number("items", 200), Seed = line.Number("seed", 7) };
        var keyFile = line.One("key-file") ?? ".crowd/jwt.key";
        if (!File.Exists(keyFile))
        {
            await Console.Error.WriteLineAsync($"demo: no signing key at {keyFile}; run ./crowd up first");
            return 2;
        }

        // A worker's app is patient: 5xx and lost connections (a service, the broker or the database restarting) are retried.
        using var http = PatientHttp.CreateClient(new Uri(line.One("gateway") ?? "http://127.0.0.1:5100"), giveUpAfter: TimeSpan.FromMinutes(3));
        var marketplace = new Marketplace(http, TokenIssuer.FromKeyFile(keyFile), options);

        Console.WriteLine($"Crowd demo: {options.Items} classification items ({string.Join(", ", options.Classes)}), " +
                          $"{options.WorkerAccuracies.Count} simulated workers, redundancy {options.RedundancyMin}..{options.RedundancyMax}, " +
                          $"threshold {options.Threshold}, {options.PriceCents} cents per annotation");
        var display = new ProgressDisplay();
        var report = await marketplace.RunAsync(new Progress<BatchProgress>(display.Show));
        display.End();
        PrintSummary(report);
        return report.Status == "completed" && report.LedgerCheck.GetProperty("balanced").GetBoolean() ? 0 : 1;
    }

    /// <summary>
    /// The batch's progress: on a terminal, one line updated in place; into a file or a pipe (CI logs), a plain line at each
    /// tenth of the tasks decided and at each change of status, so that the log reads as a list and not as one long line.
    /// </summary>
    private sealed class ProgressDisplay
    {
        private const int Width = 40;
        private readonly bool _inPlace = !Console.IsOutputRedirected;
        private (int Tenth, string Status)? _lastPrinted;

        public void Show(BatchProgress p)
        {
            var done = p.TaskCount == 0 ? 0 : Math.Min(p.AcceptedCount * Width / p.TaskCount, Width);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  [{new string('#', done)}{new string('.', Width - done)}] {p.Status,-9} final {p.AcceptedCount,4}/{p.TaskCount}  " +
                $"escalated {p.EscalatedCount,3}  resolved by QA {p.ResolvedByQa,3}  annotations {p.AnnotationCount,5}  {p.Elapsed.TotalSeconds,5:F1}s");
            if (_inPlace)
            {
                Console.Write("\r" + line);
                return;
            }

            var now = (Tenth: p.TaskCount == 0 ? 0 : p.AcceptedCount * 10 / p.TaskCount, p.Status);
            if (now != _lastPrinted)
            {
                Console.WriteLine(line);
                _lastPrinted = now;
            }
        }

        /// <summary>Ends the line updated in place, so that what follows starts on its own.</summary>
        public void End()
        {
            if (_inPlace)
            {
                Console.WriteLine();
            }
        }
    }

    private static void PrintSummary(MarketplaceReport r)
    {
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ic, $"Batch {r.BatchId}: {r.Status} in {r.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(ic, $"  accuracy of final labels vs hidden truth: {r.Accuracy:P1} ({r.Correct}/{r.Scored})"));
        Console.WriteLine(string.Create(ic, $"  annotations per item: {r.AnnotationsPerItem:F2} ({r.Annotations} annotations, {r.EscalatedToQa} tasks escalated to QA)"));
        Console.WriteLine(string.Create(ic, $"  spent {Money(r.SpentCents)} of at most {Money(r.MaxCostCents)} ({(double)r.SpentCents / r.MaxCostCents:P0}); escrow left {Money(r.EscrowLeftCents)}"));
        Console.WriteLine("  worker earnings:");
        Console.WriteLine("    worker                      accuracy  annotations   payable   pending  status");
        foreach (var w in r.Workers.OrderByDescending(w => w.Accuracy).ThenBy(w => w.WorkerId, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(ic, $"    {w.WorkerId,-26} {w.Accuracy,8:P0} {w.Submitted,12} {Money(w.PayableCents),9} {Money(w.PendingCents),9}  {(w.Suspended ? "suspended" : "active")}"));
        }

        var ledger = r.LedgerCheck;
        Console.WriteLine($"  ledger check: balanced={ledger.GetProperty("balanced").GetBoolean().ToString().ToLowerInvariant()}, " +
                          $"sum={ledger.GetProperty("sumCents").GetInt64()} cents, negative accounts={ledger.GetProperty("negativeAccounts").GetArrayLength()}");
    }

    private static string Money(long cents) => string.Create(CultureInfo.InvariantCulture, $"${cents / 100}.{cents % 100:D2}");
}
