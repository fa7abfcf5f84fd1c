using System.Diagnostics;
using Crowd.Assignment.Data;
using Crowd.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Crowd.Bench.Load;

/// <summary>What one loop did, and what a unit of its work cost in CPU.</summary>
public sealed record Measured(PhaseResult Phase, CpuUse Cpu);

/// <summary>What the raw SQL loops did: pairs (claim + submit) and claims alone, each null when not run.</summary>
public sealed record RawFigures(Measured? Pairs, Measured? Claims);

/// <summary>
/// The baseline of the load benchmark: the same claim and submission done as raw SQL, with no HTTP, gateway, auth,
/// per-worker lock, audit or outbox, in a scratch database on the platform's PostgreSQL whose tables are assignment's own
/// (its migrations applied, so the pool, claims and annotations have the same columns, constraints and indexes). A claim
/// is one statement (the best open task the worker is qualified for and has never held, <c>FOR UPDATE SKIP LOCKED ...
/// LIMIT 1</c>, its slot taken, the claim inserted), a submission one round trip (the claim updated, the annotation
/// inserted, in one implicit transaction). Each loop holds one connection; the workers take turns as in the gateway run.
/// </summary>
public static class RawClaimsBaseline
{
    private const string Qualification = "CT";
    private const string LabelSchema = """{"kind":"classification","classes":["nodule","no-nodule"]}""";
    private const string Policy = """{"schemaKind":"classification","classes":["nodule","no-nodule"],"redundancyMin":1,"redundancyMax":1,"acceptanceThreshold":0.5,"isGold":false}""";
    private static readonly string[] Labels = ["nodule", "no-nodule"];

    /// <summary>
    /// <c>raw-claims</c>: pairs and claims alone (500 workers each) by default, claims alone with <c>--claims-only</c>.
    /// Needs the PostgreSQL of <c>./crowd up</c> (or CROWD_PG).
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = LoadSettings.Parse(args);
        Console.WriteLine(Machine.Invariant(
            $"raw SQL baseline: {settings.Connections} connections, {settings.Measured.TotalSeconds:F0} s measured after {settings.Warmup.TotalSeconds:F0} s warm-up; {Environment.ProcessorCount} cores, load average {Machine.LoadAverage()}"));
        var figures = await MeasureAsync(settings, pairs: !settings.ClaimsOnly, claims: true);
        if (figures is { Pairs: { } pairs, Claims: { } claims })
        {
            Console.WriteLine(Machine.Invariant($"claims alone / pairs: {claims.Phase.Rate / pairs.Phase.Rate:F2}x"));
        }

        Console.WriteLine(Machine.Invariant($"load average now {Machine.LoadAverage()}"));
        return 0;
    }

    /// <summary>Runs the pair loop, the claim loop or both in a scratch database (dropped after), printing each one's figures.</summary>
    public static async Task<RawFigures> MeasureAsync(LoadSettings settings, bool pairs, bool claims)
    {
        var name = TestInfrastructure.UniqueName("load");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(name);
        try
        {
            using var host = await Machine.StartDataHostAsync(connectionString, typeof(ClaimStore).Assembly); // assignment's migrations
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            var pairResult = pairs ? await LoopAsync(dataSource, settings, claimsOnly: false) : null;
            var claimResult = claims ? await LoopAsync(dataSource, settings, claimsOnly: true) : null;
            await host.StopAsync();
            return new RawFigures(pairResult, claimResult);
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(name);
        }
    }

    private static async Task<Measured> LoopAsync(NpgsqlDataSource dataSource, LoadSettings settings, bool claimsOnly)
    {
        // The pool part of assignment's claim statement (ClaimStore.ClaimFromPoolAsync) for a worker holding one qualification set,
        // without the worker's advisory lock, the exam questions, the item-share guard and the ranking of sets: what a claim
        // costs PostgreSQL itself.
        const string claimSql = """
            WITH worker AS (
                SELECT worker_id, qualifications FROM workers WHERE worker_id = @workerId AND status = 'active'
            ), candidate AS (
                SELECT free.task_id
                FROM worker w
                JOIN qualification_sets s ON s.qualifications <@ w.qualifications
                CROSS JOIN LATERAL (
                    SELECT t.task_id
                    FROM pool_tasks t
                    WHERE t.qualification_set_id = s.set_id AND t.claimable
                      AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.worker_id = w.worker_id AND c.task_id = t.task_id)
                    ORDER BY t.priority DESC, t.released_at, t.task_id
                    LIMIT 1
                    FOR UPDATE OF t SKIP LOCKED
                ) free
                LIMIT 1
            ), taken AS (
                UPDATE pool_tasks t SET open_slots = t.open_slots - 1
                FROM candidate WHERE t.task_id = candidate.task_id
                RETURNING t.*
            ), claim AS (
                INSERT INTO claims (claim_id, task_id, worker_id, item_id, status, lease_expires_at)
                SELECT @claimId, task_id, @workerId, item_id, 'active', now() + @lease FROM taken
                RETURNING claim_id, task_id, lease_expires_at
            )
            SELECT claim.claim_id, taken.task_id, taken.batch_id, taken.label_schema::text AS label_schema, taken.content_uri, claim.lease_expires_at
            FROM claim JOIN taken USING (task_id)
            """;
        const string submitSql = """
            UPDATE claims SET status = 'submitted', finished_at = now() WHERE claim_id = @claimId;
            INSERT INTO annotations (annotation_id, claim_id, task_id, worker_id, payload)
            VALUES (@annotationId, @claimId, @taskId, @workerId, @payload::jsonb);
            """;

        var workers = settings.Workers;
        var label = claimsOnly ? "raw claims alone" : "raw claim + submit pairs";
        var filled = Stopwatch.StartNew();
        await FillAsync(dataSource, workers, settings.RawTasks);
        Console.WriteLine(Machine.Invariant($"{label}: {workers} workers, a fresh pool of {settings.RawTasks:N0} tasks ({filled.Elapsed.TotalSeconds:F1} s to fill)"));

        var next = -1;
        var cpu = CpuMeter.Start(runFolder: null, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database!);
        var result = await LoadPhase.RunAsync(label, claimsOnly ? "claim" : "pair", settings.Connections, settings.Warmup, settings.Measured, async (loop, recorder) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var random = new Random(loop);
            while (recorder.Going)
            {
                var workerId = WorkerId((Interlocked.Increment(ref next) & int.MaxValue) % workers);
                var started = Stopwatch.GetTimestamp();
                var claim = await connection.QuerySingleOrDefaultAsync<RawClaim>(
                    claimSql, new { workerId, claimId = Guid.CreateVersion7(), lease = TimeSpan.FromMinutes(30) });
                recorder.Request("claim", started, claim is null ? 204 : 200);
                if (claim is null)
                {
                    continue;
                }

                if (!claimsOnly)
                {
                    var submitted = Stopwatch.GetTimestamp();
                    await connection.ExecuteAsync(submitSql, new
                    {
                        claim.ClaimId, claim.TaskId, workerId, annotationId = Guid.CreateVersion7(),
                        payload = $$"""{"label":"{{Labels[random.Next(Labels.Length)]}}"}""",
                    });
                    recorder.Request("submit", submitted, 200);
                }

                recorder.Done(started);
            }
        });

        Console.WriteLine(Machine.Invariant(
            $"{label}: {result.Rate,8:N0} {(claimsOnly ? "claims" : "pairs")}/s ({result.Units:N0} in {result.Measured.TotalSeconds:F0} s)  load average {Machine.LoadAverage()}"));
        foreach (var line in result.LatencyLines())
        {
            Console.WriteLine(line);
        }

        var cpuUse = cpu.Stop(result.UnitsAll);
        Console.WriteLine(cpuUse.Line(claimsOnly ? "claim" : "pair"));

        if (result.Count("claim", 204) > 0)
        {
            Console.WriteLine(Machine.Invariant(
                $"  warning: the pool ran dry ({result.Count("claim", 204):N0} claims found no task); raise --raw-tasks above {settings.RawTasks:N0}"));
        }

        return new Measured(result, cpuUse);
    }

    private static string WorkerId(int i) => Machine.Invariant($"raw-worker-{i:D4}");

    /// <summary>An empty pool of <paramref name="tasks"/> open one-slot tasks (as a batch of redundancy 1 releases them) and the workers.</summary>
    private static async Task FillAsync(NpgsqlDataSource dataSource, int workers, int tasks)
    {
        const string fill = """
            TRUNCATE annotations, claims, pool_tasks, workers, qualification_sets CASCADE;
            INSERT INTO qualification_sets (qualifications) VALUES (qualification_set(@qualifications));
            INSERT INTO workers (worker_id, display_name, time_zone, qualifications)
            SELECT 'raw-worker-' || lpad(i::text, 4, '0'), 'Raw worker ' || i, 'Europe/Berlin', @qualifications
            FROM generate_series(0, @workers - 1) i;
            INSERT INTO pool_tasks (task_id, batch_id, content_uri, label_schema, guidelines_url, required_qualifications, priority,
                                    reward_cents, policy, open_slots, slots_opened, redundancy_max, item_id, qualification_set_id)
            SELECT gen_random_uuid(), @batchId, 'dicomweb://pacs.load.example/studies/raw/series/' || i, @labelSchema::jsonb,
                   'https://example.org/guidelines/load', @qualifications, 1000, 1, @policy::jsonb, 1, 1, 1, gen_random_uuid(),
                   (SELECT set_id FROM qualification_sets)
            FROM generate_series(1, @tasks) i;
            ANALYZE workers;
            ANALYZE pool_tasks;
            ANALYZE claims;
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(new CommandDefinition(fill, new
        {
            workers, tasks, batchId = Guid.CreateVersion7(), qualifications = new[] { Qualification }, labelSchema = LabelSchema, policy = Policy,
        }, commandTimeout: 600));
    }

    private sealed record RawClaim(Guid ClaimId, Guid TaskId, Guid BatchId, string LabelSchema, string ContentUri, DateTime LeaseExpiresAt);
}
