using Crowd.Cli.Simulation;
using Npgsql;

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
    /// Each worker's annotations of the run's batch as every party counts them: the worker's app (answers it knows were
    /// taken), assignment and consensus (stored; judged) and payouts (paid, from the payable). Printed by the fault runs, so
    /// that a failed count says where an annotation went missing; the workers whose counts all agree are summed up.
    /// </summary>
    public static async Task<string> ReconciliationAsync(CrowdProcesses crowd, MarketplaceReport report)
    {
        var batch = report.BatchId;
        var stored = await CountsByWorkerAsync(crowd, "Assignment",
            $"SELECT a.worker_id, count(*) FROM annotations a JOIN pool_tasks t USING (task_id) WHERE t.batch_id = '{batch}' GROUP BY 1");
        var decided = await CountsByWorkerAsync(crowd, "Consensus",
            $"SELECT a.worker_id, count(*) FROM annotations a JOIN consensus_tasks t USING (task_id) WHERE t.batch_id = '{batch}' GROUP BY 1");
        var judged = await CountsByWorkerAsync(crowd, "Consensus",
            $"SELECT a.worker_id, count(*) FROM annotations a JOIN consensus_tasks t USING (task_id) WHERE t.batch_id = '{batch}' AND a.judged GROUP BY 1");
        var lines = new List<string>();
        var agreeing = 0;
        foreach (var worker in report.Workers)
        {
            var counts = new long[]
            {
                worker.Submitted, stored.GetValueOrDefault(worker.WorkerId), decided.GetValueOrDefault(worker.WorkerId),
                judged.GetValueOrDefault(worker.WorkerId), report.PriceCents == 0 ? 0 : worker.EarnedCents / report.PriceCents,
            };
            if (counts.Distinct().Count() == 1)
            {
                agreeing++;
                continue;
            }

            lines.Add($"  {worker.WorkerId}: app {counts[0]}, assignment {counts[1]}, consensus {counts[2]} (judged {counts[3]}), paid {counts[4]}; " +
                $"{worker.SubmittedElsewhere} of other batches");
        }

        var parked = await crowd.ParkedMessagesAsync();
        return $"annotations by party: app {report.Workers.Sum(w => w.Submitted)} (and {report.Workers.Sum(w => w.SubmittedElsewhere)} of other batches), assignment {stored.Values.Sum()}, consensus " +
            $"{decided.Values.Sum()} (judged {judged.Values.Sum()}), batch {report.Annotations}; {agreeing} workers agree everywhere; " +
            $"parked messages: {(parked.Count == 0 ? "none" : string.Join(", ", parked.Select(q => $"{q.Value} in {q.Key}")))}" +
            string.Concat(lines.Select(line => "\n" + line));
    }

    private static async Task<Dictionary<string, long>> CountsByWorkerAsync(CrowdProcesses crowd, string service, string sql)
    {
        await using var connection = new NpgsqlConnection(crowd.ConnectionString(service));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>
    /// No accepted annotation was lost and each was paid exactly once: the ledger balances, nothing paid shows as pending,
    /// the escrow is settled, and every worker earned from the batch their accepted annotations of it times the price (the
    /// suite's other batches share the pool, so a worker may have done some of theirs too: counted apart).
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
                Assert.That(worker.EarnedCents, Is.EqualTo(worker.Submitted * report.PriceCents), worker.WorkerId);
            }
        });
    }
}
