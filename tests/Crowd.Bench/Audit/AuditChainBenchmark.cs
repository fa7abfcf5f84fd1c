using System.Diagnostics;
using System.Globalization;
using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Payouts.Audit;
using Crowd.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.Bench.Audit;

/// <summary>
/// What the hash chain costs on the real PostgreSQL: appends per second and per-append latency, one writer and four
/// concurrent ones (the chain takes one writer at a time), against the baseline in the same process and database of
/// the same rows inserted into a table of the same shape and indexes without the chain; and how fast
/// <c>/v1/audit/verify</c> walks the result.
/// </summary>
public static class AuditChainBenchmark
{
    private const int Events = 5_000;

    /// <summary>Needs the PostgreSQL of <c>./crowd up</c> (or CROWD_PG).</summary>
    public static async Task<int> RunAsync()
    {
        var name = TestInfrastructure.UniqueName("bench");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(name);
        try
        {
            using var host = await Machine.StartDataHostAsync(connectionString, typeof(AuditChain).Assembly); // payouts' migrations: audit_events and its trigger
            var db = host.Services.GetRequiredService<Database>();
            await using (var work = await db.BeginAsync())
            {
                // The baseline: same columns, defaults, constraints and indexes as audit_events; no trigger, no chain.
                await work.ExecuteAsync("CREATE TABLE plain_events (LIKE audit_events INCLUDING ALL)");
                await work.CommitAsync();
            }

            await MeasureAsync("warm-up", 200, 1, chained: true, db, print: false);
            var plain1 = await MeasureAsync("baseline: plain insert, 1 writer", Events, 1, chained: false, db);
            var chain1 = await MeasureAsync("chained append, 1 writer", Events, 1, chained: true, db);
            var plain4 = await MeasureAsync("baseline: plain insert, 4 writers", Events, 4, chained: false, db);
            var chain4 = await MeasureAsync("chained append, 4 writers", Events, 4, chained: true, db);
            // As payouts' consumer appends them since issue 8: a batch of deliveries per transaction, one lock per batch.
            var batched1 = await MeasureAsync("chained append, batches of 200, 1 writer", Events * 4, 1, chained: true, db, batch: 200);
            var batched4 = await MeasureAsync("chained append, batches of 200, 4 writers", Events * 4, 4, chained: true, db, batch: 200);
            Console.WriteLine(Machine.Invariant($"throughput chained / plain: 1 writer {chain1 / plain1:F2}x, 4 writers {chain4 / plain4:F2}x"));
            Console.WriteLine(Machine.Invariant($"batched / one per transaction: 1 writer {batched1 / chain1:F1}x, 4 writers {batched4 / chain4:F1}x"));

            var clock = Stopwatch.StartNew();
            await using (var work = await db.BeginAsync())
            {
                var verification = await work.VerifyAuditChainAsync();
                Console.WriteLine(Machine.Invariant(
                    $"verify: {verification.Events:N0} events, valid={verification.Valid}, {clock.Elapsed.TotalMilliseconds:F0} ms = {verification.Events / clock.Elapsed.TotalSeconds:N0} events/s"));
            }

            await host.StopAsync();
            return 0;
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(name);
        }
    }

    /// <summary>
    /// <paramref name="batch"/> events per transaction (1: each in its own, as consumers appended them before issue 8);
    /// prints and returns events per second. The latency is per transaction.
    /// </summary>
    private static async Task<double> MeasureAsync(string label, int count, int writers, bool chained, Database db, bool print = true, int batch = 1)
    {
        var transactions = count / batch;
        var latencies = new double[transactions];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            for (var i = w; i < transactions; i += writers)
            {
                var started = Stopwatch.GetTimestamp();
                await using var work = await db.BeginAsync();
                var recorded = Event(i);
                if (chained)
                {
                    await work.AppendAsync(Enumerable.Range(i * batch, batch).Select(Event).ToList());
                }
                else
                {
                    await work.ExecuteAsync(
                        """
                        INSERT INTO plain_events (event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash)
                        VALUES (@EventId, @At, @ActorId, @Role, @Action, @SubjectType, @SubjectId, @Detail, '', @hash)
                        """,
                        new { recorded.EventId, recorded.At, recorded.ActorId, recorded.Role, recorded.Action, recorded.SubjectType, recorded.SubjectId, recorded.Detail, hash = recorded.EventId.ToString() });
                }

                await work.CommitAsync();
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var perSecond = count / clock.Elapsed.TotalSeconds;
        if (print)
        {
            Array.Sort(latencies);
            Console.WriteLine(Machine.Invariant(
                $"{label}: {count:N0} events in {clock.Elapsed.TotalSeconds:F2} s = {perSecond:N0} events/s; per transaction p50 {latencies[transactions / 2]:F2} ms, p95 {latencies[(int)(transactions * 0.95)]:F2} ms"));
        }

        return perSecond;
    }

    private static AuditRecorded Event(int i) => new()
    {
        EventId = Guid.CreateVersion7(),
        At = new DateTime(DateTime.UtcNow.Ticks / 10 * 10, DateTimeKind.Utc),
        ActorId = $"worker-{i % 250}",
        Role = "worker",
        Action = "content.disclosed",
        SubjectType = "task",
        SubjectId = Guid.CreateVersion7().ToString(),
        Detail = $"claim {Guid.CreateVersion7()}: dicomweb://pacs.example/studies/1.2.{i}",
    };
}
