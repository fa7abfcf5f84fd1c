using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Crowd.Labels;
using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.ServiceDefaults;
using Crowd.Slicing.Api;
using Crowd.Slicing.Consumers;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Options;
using Crowd.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.Bench.Slicing;

/// <summary>
/// Slicing at size, on the real PostgreSQL: batches of 10^4, 10^5 and 10^6 tasks (one-slice windows over 10,000 series)
/// go through the request validator, the domain and the store as <c>POST /v1/batches</c> takes them (batch, items and tasks
/// by COPY, BatchSubmitted in the outbox, one transaction), then through BatchFundedConsumer's release (keyset pages, one
/// TasksReleased outbox row per chunk, one transaction). Prints wall time per size and phase, the managed heap's peak
/// (sampled) and the process's peak working set; then the latency of refusing over-limit batches, body parsing included.
/// </summary>
public static class SlicingScaleBenchmark
{
    private const int Series = 10_000;

    /// <summary>Needs the PostgreSQL of <c>./crowd up</c> (or CROWD_PG).</summary>
    public static async Task<int> RunAsync(int[]? sizes = null)
    {
        var name = TestInfrastructure.UniqueName("bench");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(name);
        try
        {
            using var host = await Machine.StartDataHostAsync(connectionString, typeof(BatchStore).Assembly); // no relay: the outbox rows stay to be counted
            var database = host.Services.GetRequiredService<Database>();
            var platform = new PlatformOptions();
            var validator = new SubmitBatchValidator(Microsoft.Extensions.Options.Options.Create(platform));
            Console.WriteLine(Machine.Invariant($"{Environment.ProcessorCount} cores, load average {Machine.LoadAverage()}"));
            Console.WriteLine(Machine.Invariant($"limits: {platform.MaxTasksPerItem:N0} tasks per item, {platform.MaxTasksPerBatch:N0} per batch; release chunk {platform.ReleaseChunkSize}"));

            await SliceStoreReleaseAsync(database, validator, platform, 10_000, print: false); // warm-up: JIT, pools, plans
            var perTask = new List<double>();
            foreach (var size in sizes ?? [10_000, 100_000, 1_000_000])
            {
                perTask.Add(await SliceStoreReleaseAsync(database, validator, platform, size, print: true));
            }

            Console.WriteLine(Machine.Invariant($"per task: {string.Join(" / ", perTask.Select(us => $"{us:F1} µs"))} (flat = linear); load average now {Machine.LoadAverage()}"));
            MeasureRefusals(validator);
            await host.StopAsync();
            return 0;
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(name);
        }
    }

    /// <summary>Returns microseconds per task, end to end.</summary>
    private static async Task<double> SliceStoreReleaseAsync(Database database, SubmitBatchValidator validator, PlatformOptions platform, int tasks, bool print)
    {
        var request = Request(tasks);
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var sampler = new HeapSampler();
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

        var result = await validator.ValidateAsync(request);
        if (!result.IsValid)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
        }

        var batch = NewBatch.Create("bench-requester", request.ToSubmission(), platform.FeeBasisPoints);
        await using (var work = await database.BeginAsync())
        {
            await work.InsertAsync(batch);
            work.Publish(new BatchSubmitted
            {
                BatchId = batch.BatchId, RequesterId = batch.RequesterId, TaskCount = batch.TaskCount, MaxCostCents = batch.MaxCostCents,
                FeeCentsPerAnnotation = batch.FeeCentsPerAnnotation, SubmittedAt = DateTimeOffset.UtcNow,
            });
            await work.CommitAsync();
        }

        var stored = clock.Elapsed;
        await using (var work = await database.BeginAsync())
        {
            await BatchFundedConsumer.OpenAsync(work, batch.BatchId, platform.ReleaseChunkSize);
            await work.CommitAsync();
        }

        var total = clock.Elapsed;
        var released = total - stored;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await using var check = await database.BeginAsync();
        var rows = await check.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM tasks WHERE batch_id = @batchId", new { batchId = batch.BatchId });
        var chunks = await check.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM outbox WHERE message_type LIKE 'Crowd.Contracts.Tasks.TasksReleased,%' AND body->>'batchId' = @id",
            new { id = batch.BatchId.ToString() });
        if (rows != tasks || chunks != (tasks + platform.ReleaseChunkSize - 1) / platform.ReleaseChunkSize)
        {
            throw new InvalidOperationException($"{tasks} tasks: stored {rows}, released in {chunks} chunks");
        }

        if (print)
        {
            Console.WriteLine(Machine.Invariant(
                $"{tasks,9:N0} tasks: {total.TotalSeconds,6:F2} s (slice + store {stored.TotalSeconds:F2} s = {tasks / stored.TotalSeconds:N0}/s, release {released.TotalSeconds:F2} s in {chunks:N0} outbox rows); this process's CPU {cpu.TotalSeconds:F2} s; managed heap peak +{(sampler.Peak - heapBefore) / 1048576.0:F0} MB; process peak working set {Environment.WorkingSet / 1048576.0:F0} MB now, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB peak so far"));
        }

        return total.TotalMicroseconds / tasks;
    }

    /// <summary>Only the refusals (no database): <c>./crowd bench slicing-refusals</c>.</summary>
    public static int RunRefusals()
    {
        Console.WriteLine(Machine.Invariant($"{Environment.ProcessorCount} cores, load average {Machine.LoadAverage()}"));
        MeasureRefusals(new SubmitBatchValidator(Microsoft.Extensions.Options.Options.Create(new PlatformOptions())));
        Console.WriteLine(Machine.Invariant($"load average now {Machine.LoadAverage()}"));
        return 0;
    }

    /// <summary>The latency of a refusal as the endpoint meets it: the body parsed, then validated (p50/p99 of 200 each).</summary>
    private static void MeasureRefusals(SubmitBatchValidator validator)
    {
        var json = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(json);
        var cases = new (string Label, SubmitBatchRequest Request, string Field)[]
        {
            ("one item of 5,000,000 one-slice windows", Request(1) with { Items = [Series0(5_000_000)] }, "items[0].sliceCount"),
            ("one item of 2^31-1 one-pixel tiles wide", Request(1) with
            {
                Slicing = new SlicingSpec { Mode = Slicer.Tiles, TileSize = 16, Overlap = 0 },
                Items = [new ItemSpec { ExternalId = "wsi", ContentUri = "s3://slides/wsi", Width = int.MaxValue, Height = int.MaxValue }],
            }, "items[0].width"),
            ("10,000 series of 101 slices (1,010,000 tasks)", Request(1_010_000), "slicing"),
        };
        foreach (var (label, request, field) in cases)
        {
            var body = JsonSerializer.Serialize(request, json);
            var latencies = new double[200];
            for (var i = -20; i < latencies.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var parsed = JsonSerializer.Deserialize<SubmitBatchRequest>(body, json)!;
                var result = validator.Validate(parsed);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (result.IsValid || result.Errors.All(e => e.PropertyName != field))
                {
                    throw new InvalidOperationException($"{label}: not refused on {field}");
                }

                if (i >= 0)
                {
                    latencies[i] = elapsed;
                }
            }

            Array.Sort(latencies);
            Console.WriteLine(Machine.Invariant(
                $"refusal, {label} ({body.Length / 1024.0:N0} KiB body) → 422 {field}: p50 {latencies[100]:F2} ms, p99 {latencies[197]:F2} ms"));
        }
    }

    /// <summary>One-slice windows over 10,000 series, <paramref name="tasks"/> in all (at least one slice a series).</summary>
    private static SubmitBatchRequest Request(int tasks) => new()
    {
        Name = $"bench {tasks}",
        Modality = "CT",
        LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["none", "mild", "severe"], Ordered = true },
        Slicing = new SlicingSpec { Mode = Slicer.SliceWindow, Window = 1, Stride = 1 },
        Redundancy = new RedundancySpec { Min = 3, Max = 5 },
        Acceptance = new AcceptanceSpec { Threshold = 0.9 },
        PricePerAnnotationCents = 40,
        RequiredQualifications = ["CT"],
        Privacy = new PrivacySpec { MaxItemSharePerWorker = 0.1 },
        Items = [.. Enumerable.Range(0, Series).Select(i => new ItemSpec
        {
            ExternalId = $"series-{i:D5}",
            ContentUri = $"dicomweb://pacs.example/studies/1.2.840.{i}/series/1.3.6.{i}",
            SliceCount = Math.Max(1, tasks / Series) + (i < tasks % Series ? 1 : 0),
            Metadata = new Dictionary<string, JsonElement> { ["bodyPart"] = JsonSerializer.SerializeToElement("CHEST") },
        })],
    };

    private static ItemSpec Series0(int sliceCount) =>
        new() { ExternalId = "series-0", ContentUri = "dicomweb://pacs.example/studies/1/series/1", SliceCount = sliceCount };
}
