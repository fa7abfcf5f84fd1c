using System.Diagnostics;
using System.Text.Json;
using Crowd.Labels;
using Crowd.Slicing.Api;
using Crowd.Slicing.Data;
using Crowd.Testing;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static Crowd.Bench.Machine;

namespace Crowd.Bench.Slicing;

/// <summary>
/// Item results at size, on the real PostgreSQL, through the same export code as <c>GET /v1/batches/{id}/items</c>:
/// CT series of 300 slices cut into windows of 30 every 25 (12 tasks an item), a nodule on 15 of the 300 slices (5 %)
/// that crosses a window border, every task final. Exports 1,000 and then 10,000 items as JSON lines and as COCO to a
/// stream that only counts bytes, and prints items per second and the managed heap's peak above its start: flat in
/// batch size when nothing holds the batch.
/// </summary>
public static class ItemsExportBenchmark
{
    private const int SliceCount = 300;
    private const int Window = 30;
    private const int Stride = 25;
    private const int TasksPerItem = 12; // windows from 0 to 275

    public static async Task<int> RunAsync()
    {
        var name = TestInfrastructure.UniqueName("bench");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(name);
        try
        {
            using var host = await StartDataHostAsync(connectionString, typeof(BatchStore).Assembly);
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores, load average {LoadAverage()}; items of {SliceCount} slices, {TasksPerItem} windows, boxes on 5 % of slices"));
            var schema = LabelSchema.From(JsonDocument.Parse("""{ "kind": "bbox", "classes": ["nodule", "mass"] }""").RootElement);
            var small = await BatchAsync(dataSource, 1_000);
            var large = await BatchAsync(dataSource, 10_000);
            await ExportAsync(dataSource, small, schema, 1_000, "jsonl", print: false); // warm-up: JIT, pools, plans
            foreach (var format in new[] { "jsonl", "coco" })
            {
                await ExportAsync(dataSource, small, schema, 1_000, format, print: true);
                await ExportAsync(dataSource, large, schema, 10_000, format, print: true);
            }

            Console.WriteLine(Invariant($"load average now {LoadAverage()}"));
            await host.StopAsync();
            return 0;
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(name);
        }
    }

    private static async Task ExportAsync(NpgsqlDataSource dataSource, Guid batchId, LabelSchema schema, int items, string format, bool print)
    {
        var pages = new ItemPages(dataSource, batchId, schema);
        await using var sink = new CountingStream();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var sampler = new HeapSampler();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        if (format == "coco")
        {
            await ItemExports.WriteCocoAsync(sink, schema, pages, afterExternalId: null, limit: null);
        }
        else
        {
            await ItemExports.WriteJsonLinesAsync(sink, pages.FromAsync(afterExternalId: null, limit: null));
        }

        clock.Stop();
        // On a shared machine the wall clock measures the neighbours too; this process's CPU time does not.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        if (print)
        {
            Console.WriteLine(Invariant(
                $"{format,-5} {items,6:N0} items ({items * TasksPerItem:N0} tasks): {clock.Elapsed.TotalSeconds,6:F2} s, {items / clock.Elapsed.TotalSeconds,7:N0} items/s ({items / cpu.TotalSeconds:N0} per CPU-second of this process), {sink.Length / 1e6,7:F1} MB written, heap peak +{(sampler.Peak - heapBefore) / 1e6:F1} MB"));
        }
    }

    /// <summary>A finished bbox batch made in SQL (batch, items, tasks and final results), as slicing's own tables hold one.</summary>
    private static async Task<Guid> BatchAsync(NpgsqlDataSource dataSource, int items)
    {
        var batchId = Guid.CreateVersion7();
        const string sql = """
            INSERT INTO batches (batch_id, requester_id, name, modality, label_schema, slicing, redundancy_min, redundancy_max,
                                 acceptance_threshold, price_per_annotation_cents, platform_fee_basis_points, required_qualifications,
                                 priority, status, task_count, max_cost_cents)
            VALUES (@batchId, 'bench', 'export benchmark', 'CT', '{"kind":"bbox","classes":["nodule","mass"]}',
                    jsonb_build_object('mode', 'slice-window', 'window', @window, 'stride', @stride), 1, 1, 0.9, 10, 0, '{}', 0,
                    'completed', @items * @tasksPerItem, 0);

            INSERT INTO items (item_id, batch_id, external_id, content_uri, slice_count, width, height, is_gold, task_count)
            SELECT gen_random_uuid(), @batchId, 'ct-' || lpad(i::text, 6, '0'), 'dicomweb://pacs.bench/studies/' || i, @sliceCount, 512, 512,
                   false, @tasksPerItem
            FROM generate_series(1, @items) i;

            INSERT INTO tasks (task_id, batch_id, item_id, position, slice_from, slice_to, is_gold)
            SELECT gen_random_uuid(), @batchId, i.item_id, (row_number() OVER (ORDER BY i.external_id, w) - 1)::int,
                   w * @stride, least(w * @stride + @window, @sliceCount), false
            FROM items i, generate_series(0, @tasksPerItem - 1) w
            WHERE i.batch_id = @batchId;

            -- The nodule on slices 20-34, seen by the first window on 20-29 and by the second on 25-34, a pixel apart.
            INSERT INTO results (task_id, batch_id, label, confidence, agreement, annotation_count, source)
            SELECT t.task_id, @batchId,
                   jsonb_build_object('boxes', coalesce((
                       SELECT jsonb_agg(jsonb_build_object('label', 'nodule', 'x', 100 + t.slice_from / @stride, 'y', 100, 'w', 40, 'h', 40, 'slice', s))
                       FROM generate_series(greatest(t.slice_from, 20), least(t.slice_to, 35) - 1) s), '[]'::jsonb)),
                   1, 1, 3, 'consensus'
            FROM tasks t WHERE t.batch_id = @batchId;
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(sql, new { batchId, items, window = Window, stride = Stride, sliceCount = SliceCount, tasksPerItem = TasksPerItem }, commandTimeout: 600);
        await using var analyze = new NpgsqlCommand("ANALYZE items; ANALYZE tasks; ANALYZE results", connection);
        await analyze.ExecuteNonQueryAsync(); // fresh statistics, as autovacuum would give the tables soon after
        return batchId;
    }

    /// <summary>A response body that keeps nothing: the export is measured, not the disk.</summary>
    private sealed class CountingStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Position;
        public override long Position { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Position += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Position += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
