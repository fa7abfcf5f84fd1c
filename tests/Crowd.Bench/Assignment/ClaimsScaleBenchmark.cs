using System.Diagnostics;
using System.Text.RegularExpressions;
using Crowd.Assignment.Data;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static Crowd.Bench.Machine;

namespace Crowd.Bench.Assignment;

/// <summary>
/// Claims at scale (issue 8), on the real PostgreSQL, through <see cref="ClaimStore.ClaimFromPoolAsync"/> as
/// <c>POST /v1/workers/{id}/claims</c> runs it. Pools of 10^4, 10^5 and 10^6 open tasks in 100 batches of items of 10
/// tasks: 80 % need a qualification the measured workers lack (MAMMO, MRI+NEURO, CT+MAMMO, PATH), most of it more urgent
/// (priority 1 to 4) than anything they may take (priority 0); 10 % need nothing, under an item share limit of 5 of 10;
/// 10 % need CT. Eight workers claim at once, four holding CT and XR and four holding nothing, each having already
/// claimed its first 30 tasks (never-twice), which leaves 6 items at its share limit, 30 more tasks it may not take, at
/// the front of its queue. Prints p50/p95/p99/max of the claim per size and kind of worker, and the plan of the claim
/// statement (EXPLAIN ANALYZE with buffers, taken by auto_explain from the production statement as it runs) for one
/// worker of each kind.
/// </summary>
public static class ClaimsScaleBenchmark
{
    private const int Batches = 100;
    private const int TasksPerItem = 10;
    private const int History = 30;
    private const int WarmUpClaims = 5;
    private const int ClaimsPerWorker = 300;
    private const int FillChunk = 100_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90); // per size: the claim before migration 0006 took seconds at 10^6
    private static readonly TimeSpan Lease = TimeSpan.FromHours(1);

    /// <summary>Each worker holds its 30 warm-up claims open, more than the endpoint's default limit; the limit's count is still made.</summary>
    private const int NoClaimLimit = int.MaxValue;

    private static readonly (string Id, string Kind, string[] Qualifications)[] Workers =
    [
        ("ct-1", "with CT", ["CT", "XR"]), ("ct-2", "with CT", ["CT", "XR"]), ("ct-3", "with CT", ["CT", "XR"]), ("ct-4", "with CT", ["CT", "XR"]),
        ("none-1", "without", []), ("none-2", "without", []), ("none-3", "without", []), ("none-4", "without", []),
    ];

    /// <summary>Needs the PostgreSQL of <c>./crowd up</c> (or CROWD_PG), as a superuser for auto_explain.</summary>
    public static async Task<int> RunAsync(int[] sizes)
    {
        var name = TestInfrastructure.UniqueName("bench");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(name);
        try
        {
            using var host = await StartDataHostAsync(connectionString, typeof(ClaimStore).Assembly);
            var database = host.Services.GetRequiredService<Database>();
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores, load average {LoadAverage()}; {Workers.Length} workers claiming at once, {ClaimsPerWorker} claims each or {Budget.TotalSeconds:F0} s per size"));
            var p99s = new List<(int Size, double P99)>();
            foreach (var size in sizes.Length > 0 ? sizes : [10_000, 100_000, 1_000_000])
            {
                await FillAsync(dataSource, size);
                p99s.Add((size, await MeasureAsync(database, size)));
                await PrintPlansAsync(connectionString);
            }

            Console.WriteLine(Invariant($"claim p99: {string.Join(" / ", p99s.Select(p => $"{p.Size:N0} {p.P99:F1} ms"))}; largest / smallest {p99s[^1].P99 / p99s[0].P99:F2}x; load average now {LoadAverage()}"));
            await host.StopAsync();
            return 0;
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(name);
        }
    }

    /// <summary>A fresh pool of <paramref name="size"/> open tasks, the workers and their history, vacuumed and analyzed.</summary>
    private static async Task FillAsync(NpgsqlDataSource dataSource, int size)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("TRUNCATE claims, annotations, pool_tasks, workers CASCADE");
        var perBatch = size / Batches;
        var clock = Stopwatch.StartNew();
        // Ids in the order slicing's version-7 ids have: task by task, item by item, batch by batch.
        // The sets as PoolStore.AddReleasedAsync adds them, one per batch's requirement.
        const string fill = """
            INSERT INTO qualification_sets (qualifications)
            SELECT qualification_set(q::text[]) FROM unnest(@requirements) q ON CONFLICT DO NOTHING;
            INSERT INTO pool_tasks (task_id, batch_id, content_uri, slice, label_schema, required_qualifications, qualification_set_id,
                                    priority, reward_cents, policy, open_slots, slots_opened, redundancy_max, status, released_at, item_id,
                                    item_share_limit)
            SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
                   ('00000000-0000-7000-a000-' || lpad(to_hex(b), 12, '0'))::uuid,
                   'dicomweb://pacs.bench/studies/' || b || '.' || k / @tasksPerItem,
                   jsonb_build_object('from', k % @tasksPerItem, 'to', k % @tasksPerItem + 1),
                   '{"kind": "classification", "classes": ["nodule", "no-nodule"]}',
                   r.required, s.set_id,
                   CASE WHEN b % 5 = 0 THEN 0 ELSE 1 + b % 4 END,
                   40,
                   '{"schemaKind": "classification", "classes": ["nodule", "no-nodule"], "redundancyMin": 3, "redundancyMax": 5, "acceptanceThreshold": 0.9, "isGold": false}',
                   3, 3, 5, 'open',
                   timestamptz '2025-01-01 00:00:00+00' + b * interval '1 minute',
                   ('00000000-0000-7000-9000-' || lpad(to_hex(n / @tasksPerItem), 12, '0'))::uuid,
                   CASE WHEN b % 10 = 0 THEN 5 END
            FROM generate_series(@from, @to - 1) n,
                 LATERAL (SELECT n / @perBatch AS b, n % @perBatch AS k) p,
                 LATERAL (SELECT (@requirements::text[])[b % 10 + 1]::text[] AS required) r
                 JOIN qualification_sets s ON s.qualifications = qualification_set(r.required)
            """;
        // Batch b needs requirements[b % 10]: a tenth nothing, a tenth CT, the rest what the measured workers lack.
        string[] requirements = ["{}", "{MAMMO}", "{MRI,NEURO}", "{CT,MAMMO}", "{PATH}", "{CT}", "{MAMMO}", "{MRI,NEURO}", "{CT,MAMMO}", "{PATH}"];
        for (var from = 0; from < size; from += FillChunk)
        {
            var to = Math.Min(size, from + FillChunk);
            await connection.ExecuteAsync(fill, new { from, to, perBatch, tasksPerItem = TasksPerItem, requirements }, commandTimeout: 600);
            Console.Write(Invariant($"\r{size,9:N0} open tasks: filled {to:N0} ({to / clock.Elapsed.TotalSeconds:N0}/s)"));
        }

        foreach (var worker in Workers)
        {
            await connection.ExecuteAsync(
                "INSERT INTO workers (worker_id, display_name, time_zone, qualifications) VALUES (@id, @id, 'UTC', @qualifications)",
                new { id = worker.Id, qualifications = worker.Qualifications });
        }

        // Each worker's first History claims, as it would have made them: in its order, within each item's share limit.
        const string history = """
            INSERT INTO claims (claim_id, task_id, worker_id, item_id, status, claimed_at, lease_expires_at, finished_at)
            SELECT gen_random_uuid(), h.task_id, w.worker_id, h.item_id, 'submitted', now(), now(), now()
            FROM workers w CROSS JOIN LATERAL (
                SELECT t.task_id, t.item_id
                FROM (SELECT t.*, row_number() OVER (PARTITION BY t.item_id ORDER BY t.task_id) AS nth
                      FROM pool_tasks t WHERE t.required_qualifications <@ w.qualifications) t
                WHERE t.item_share_limit IS NULL OR t.nth <= t.item_share_limit
                ORDER BY t.priority DESC, t.released_at, t.task_id
                LIMIT @history) h
            """;
        await connection.ExecuteAsync(history, new { history = History }, commandTimeout: 600);
        // Statistics and the visibility map as autovacuum leaves them on a pool that has stood a while.
        await using (var vacuum = new NpgsqlCommand("VACUUM ANALYZE pool_tasks, claims, workers", connection) { CommandTimeout = 600 })
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        Console.WriteLine(Invariant($"\r{size,9:N0} open tasks: filled, history written, vacuumed in {clock.Elapsed.TotalSeconds:F1} s; load average {LoadAverage()}"));
    }

    /// <summary>Every worker claims at once, one unit of work per claim as the endpoint makes it; returns the p99 of all claims.</summary>
    private static async Task<double> MeasureAsync(Database database, int size)
    {
        foreach (var worker in Workers)
        {
            for (var i = 0; i < WarmUpClaims; i++)
            {
                await ClaimAsync(database, worker.Id); // JIT, pools; the same few claims at every size
            }
        }

        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("SELECT pg_stat_reset_single_table_counters('pool_tasks'::regclass)");
        }

        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(Workers.Select(w => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var none = 0;
            while (latencies.Count < ClaimsPerWorker && clock.Elapsed < Budget)
            {
                var (milliseconds, claimed) = await ClaimAsync(database, w.Id);
                latencies.Add(milliseconds);
                none += claimed ? 0 : 1;
            }

            return (w.Kind, Latencies: latencies, None: none);
        })));
        var elapsed = clock.Elapsed;

        var all = runs.SelectMany(r => r.Latencies).Order().ToArray();
        var groups = runs.GroupBy(r => r.Kind).Select(g => (Kind: g.Key, Latencies: g.SelectMany(r => r.Latencies).Order().ToArray(), None: g.Sum(r => r.None)));
        foreach (var (kind, latencies, none) in groups.Append(("all", all, runs.Sum(r => r.None))))
        {
            Console.WriteLine(Invariant(
                $"{size,9:N0} open tasks, {kind,-8} n={latencies.Length,5}  p50 {Percentile(latencies, 0.50),8:F2} ms  p95 {Percentile(latencies, 0.95),8:F2} ms  p99 {Percentile(latencies, 0.99),8:F2} ms  max {latencies[^1],8:F2} ms  (none found: {none})"));
        }

        // Each backend reports its counts within a second or so of its transactions: close enough for a share.
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            var (updates, hot) = await connection.QuerySingleAsync<(long, long)>(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'pool_tasks'");
            Console.WriteLine(Invariant(
                $"{size,9:N0} open tasks: {all.Length / elapsed.TotalSeconds:N0} claims/s; pool_tasks updates {updates:N0}, in place (HOT) {(updates == 0 ? 0 : 100.0 * hot / updates):F0} %; load average {LoadAverage()}"));
        }
        return Percentile(all, 0.99);
    }

    /// <summary>One claim in its own unit of work, committed; the time is the claim's one round trip (its COMMIT included).</summary>
    private static async Task<(double Milliseconds, bool Claimed)> ClaimAsync(Database database, string workerId)
    {
        await using var work = await database.BeginAsync();
        var started = Stopwatch.GetTimestamp();
        var claimed = await work.ClaimFromPoolAsync(workerId, new AuditActor(workerId, "worker"), Lease, NoClaimLimit);
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, claimed is not null);
    }

    /// <summary>
    /// The plan of the pool's claim statement for one worker of each kind, from auto_explain on a connection of its own
    /// (the statement runs as ClaimFromPoolAsync sends it, and commits: one claim more in the pool for each worker shown).
    /// </summary>
    private static async Task PrintPlansAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        foreach (var workerId in new[] { "ct-1", "none-1" })
        {
            var notices = new List<string>();
            await using var work = await new Database(dataSource).BeginAsync();
            work.Connection.Notice += (_, e) => notices.Add(e.Notice.MessageText);
            await work.ExecuteAsync("""
                LOAD 'auto_explain';
                SET LOCAL auto_explain.log_min_duration = 0;
                SET LOCAL auto_explain.log_analyze = on;
                SET LOCAL auto_explain.log_buffers = on;
                SET LOCAL auto_explain.log_level = notice;
                """);
            await work.ClaimFromPoolAsync(workerId, new AuditActor(workerId, "worker"), Lease, NoClaimLimit);
            var plan = notices.SingleOrDefault(n => n.Contains("INSERT INTO claims (", StringComparison.Ordinal));
            if (plan is null)
            {
                Console.WriteLine("(no plan: auto_explain needs a superuser)");
                return;
            }

            // The notice is "duration: … plan:", the statement's text, then the plan, whose every node line gives its cost.
            var lines = plan.Split('\n');
            var first = Array.FindIndex(lines, l => l.Contains("(cost=", StringComparison.Ordinal));
            Console.WriteLine(Invariant($"plan of the claim statement for {workerId} ({Regex.Match(lines[0], @"duration: [0-9.]+ ms").Value}):"));
            foreach (var line in lines.Skip(first))
            {
                Console.WriteLine("    " + line);
            }
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
