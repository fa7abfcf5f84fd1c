using Crowd.Cli.Simulation;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>The fault tests' simulated marketplace, and what every one of them asks of its run once the faults are over.</summary>
public static class MarketplaceChecks
{
    /// <summary>60 items worked by six good and four fair workers: long enough to kill something mid-run, short enough to wait for.</summary>
    public static MarketplaceOptions FaultRun(TimeSpan timeout) => new()
    {
        Items = 60,
        RedundancyMin = 3,
        RedundancyMax = 5,
        Threshold = 0.7,
        WorkerAccuracies = [.. Enumerable.Repeat(0.9, 6), .. Enumerable.Repeat(0.7, 4)],
        Timeout = timeout,
    };

    /// <summary>The batch is complete with one final label for each of its <paramref name="tasks"/> tasks.</summary>
    public static void CompletedWithOneFinalLabelPerTask(MarketplaceReport report, int tasks)
    {
        Assert.That(report.Status, Is.EqualTo("completed"));
        var taskIds = report.Results.Select(r => r.GetProperty("taskId").GetGuid()).ToList();
        Assert.That(taskIds, Has.Count.EqualTo(tasks));
        Assert.That(taskIds.Distinct().Count(), Is.EqualTo(tasks));
    }

    /// <summary>
    /// No accepted annotation was lost and each was paid exactly once: the ledger balances, nothing paid shows as pending,
    /// the escrow is settled, and every worker's payable is their accepted annotations times the price.
    /// </summary>
    public static void EveryAnnotationPaidExactlyOnce(MarketplaceReport report)
    {
        Assert.That(report.LedgerCheck.GetProperty("balanced").GetBoolean(), Is.True);
        Assert.That(report.LedgerCheck.GetProperty("paidButPending").GetInt64(), Is.Zero);
        Assert.That(report.EscrowLeftCents, Is.Zero);
        Assert.That(report.Workers.Sum(w => w.Submitted), Is.EqualTo(report.Annotations), "no accepted annotation was lost");
        Assert.Multiple(() =>
        {
            foreach (var worker in report.Workers)
            {
                Assert.That(worker.PayableCents, Is.EqualTo(worker.Submitted * report.PriceCents), worker.WorkerId);
            }
        });
    }
}
