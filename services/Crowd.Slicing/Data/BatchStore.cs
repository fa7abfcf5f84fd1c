using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Slicing.Domain;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Crowd.Slicing.Data;

/// <summary>A batch as stored, with the figures API.md's <c>GET /v1/batches/{id}</c> shows. Properties, not a constructor: Dapper cannot bind text[] to one.</summary>
public sealed record BatchRow
{
    public Guid BatchId { get; init; }
    public string RequesterId { get; init; } = null!;
    public string Name { get; init; } = null!;
    public string Modality { get; init; } = null!;
    public string LabelSchema { get; init; } = null!;
    public string? GuidelinesUrl { get; init; }
    public int RedundancyMin { get; init; }
    public int RedundancyMax { get; init; }
    public double AcceptanceThreshold { get; init; }
    public long PricePerAnnotationCents { get; init; }
    public int PlatformFeeBasisPoints { get; init; }
    public string[] RequiredQualifications { get; init; } = null!;
    public int Priority { get; init; }
    public string Status { get; init; } = null!;
    public string? RejectionReason { get; init; }
    public int TaskCount { get; init; }
    public long MaxCostCents { get; init; }
    public int FinalizedCount { get; init; }
    public int AcceptedCount { get; init; }
    public int EscalatedCount { get; init; }
    public int ExcludedCount { get; init; }
    public int AnnotationCount { get; init; }
    /// <summary>Of <see cref="AnnotationCount"/>, those that agree with their task's final label: each was paid the bonus.</summary>
    public int AgreeingAnnotationCount { get; init; }
    public long BonusCents { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? CancelledAt { get; init; }
    public double MaxItemSharePerWorker { get; init; }
}

/// <summary>A task with its item, as the worker pool and the results need it.</summary>
public sealed record TaskRow(
    Guid TaskId, int Position, Guid ItemId, int? ItemTaskCount, string ExternalId, string ContentUri, int? SliceFrom, int? SliceTo, string? Tile, bool IsGold, string? Truth,
    string? Prediction);

public sealed record ResultRow(
    Guid TaskId, int Position, string ExternalId, int? SliceFrom, int? SliceTo, string? Tile, string Label,
    double Confidence, double Agreement, int AnnotationCount, string Source, int Revision, bool? ModelAgrees);

public static class BatchStore
{
    /// <summary>
    /// A million-task COPY ends with the server checking a million rows' keys: on a busy machine that outlasts the
    /// 30-second command timeout, which would fail a batch the limits accept.
    /// </summary>
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(5);

    private const string BatchColumns = """
        batch_id, requester_id, name, modality, label_schema::text AS label_schema, guidelines_url, redundancy_min, redundancy_max,
        acceptance_threshold, price_per_annotation_cents, platform_fee_basis_points, required_qualifications, priority,
        status, rejection_reason, task_count, max_cost_cents, finalized_count, accepted_count, escalated_count, excluded_count,
        annotation_count, created_at, completed_at, cancelled_at, max_item_share_per_worker, agreeing_annotation_count, bonus_cents
        """;

    /// <summary>
    /// Writes the batch row, then its items and tasks with binary COPY, all in the unit of work's transaction: the tasks
    /// are cut as they are copied, so however many there are, the process holds one at a time.
    /// </summary>
    public static async Task InsertAsync(this UnitOfWork work, NewBatch batch)
    {
        var submission = batch.Submission;
        const string insertBatch = """
            INSERT INTO batches (batch_id, requester_id, name, modality, label_schema, guidelines_url, slicing, redundancy_min,
                redundancy_max, acceptance_threshold, price_per_annotation_cents, platform_fee_basis_points, required_qualifications,
                priority, deadline, callback_url, status, task_count, max_cost_cents, max_item_share_per_worker, bonus_cents)
            VALUES (@BatchId, @RequesterId, @Name, @Modality, @LabelSchema::jsonb, @GuidelinesUrl, @Slicing::jsonb, @RedundancyMin,
                @RedundancyMax, @Threshold, @Price, @FeeBasisPoints, @RequiredQualifications, @Priority, @Deadline, @CallbackUrl,
                @Status, @TaskCount, @MaxCostCents, @MaxItemSharePerWorker, @BonusCents)
            """;
        await work.ExecuteAsync(insertBatch, new
        {
            batch.BatchId,
            batch.RequesterId,
            submission.Name,
            submission.Modality,
            LabelSchema = JsonSerializer.Serialize(submission.LabelSchema, JsonSerializerOptions.Web),
            submission.GuidelinesUrl,
            Slicing = SlicingJson(submission.Slicing),
            submission.RedundancyMin,
            submission.RedundancyMax,
            Threshold = submission.AcceptanceThreshold,
            Price = submission.PricePerAnnotationCents,
            batch.FeeBasisPoints,
            RequiredQualifications = submission.RequiredQualifications.ToArray(),
            submission.Priority,
            Deadline = submission.Deadline?.UtcDateTime,
            submission.CallbackUrl,
            Status = BatchStatus.PendingFunding,
            batch.TaskCount,
            batch.MaxCostCents,
            submission.MaxItemSharePerWorker,
            submission.BonusCents,
        });

        // Binary COPY: a 50,000-item batch is two round trips, not 100,000.
        await using (var items = await work.Connection.BeginBinaryImportAsync(
            "COPY items (item_id, batch_id, external_id, content_uri, slice_count, width, height, metadata, is_gold, truth, task_count, prediction) FROM STDIN (FORMAT BINARY)"))
        {
            items.Timeout = CopyTimeout;
            foreach (var (itemId, item, taskCount) in batch.Items)
            {
                await items.StartRowAsync();
                await items.WriteAsync(itemId, NpgsqlDbType.Uuid);
                await items.WriteAsync(batch.BatchId, NpgsqlDbType.Uuid);
                await items.WriteAsync(item.ExternalId, NpgsqlDbType.Text);
                await items.WriteAsync(item.ContentUri, NpgsqlDbType.Text);
                await WriteNullableAsync(items, item.SliceCount);
                await WriteNullableAsync(items, item.Width);
                await WriteNullableAsync(items, item.Height);
                await WriteJsonAsync(items, item.Metadata);
                await items.WriteAsync(item.IsGold, NpgsqlDbType.Boolean);
                await WriteJsonAsync(items, item.Truth);
                await items.WriteAsync(taskCount, NpgsqlDbType.Integer);
                await WriteJsonAsync(items, item.Prediction is null ? null : JsonSerializer.SerializeToElement(item.Prediction, JsonSerializerOptions.Web));
            }

            await items.CompleteAsync();
        }

        await using (var tasks = await work.Connection.BeginBinaryImportAsync(
            "COPY tasks (task_id, batch_id, item_id, position, slice_from, slice_to, tile, is_gold) FROM STDIN (FORMAT BINARY)"))
        {
            tasks.Timeout = CopyTimeout;
            foreach (var task in batch.Tasks())
            {
                await tasks.StartRowAsync();
                await tasks.WriteAsync(task.TaskId, NpgsqlDbType.Uuid);
                await tasks.WriteAsync(batch.BatchId, NpgsqlDbType.Uuid);
                await tasks.WriteAsync(task.ItemId, NpgsqlDbType.Uuid);
                await tasks.WriteAsync(task.Position, NpgsqlDbType.Integer);
                await WriteNullableAsync(tasks, task.Slice?.From);
                await WriteNullableAsync(tasks, task.Slice?.To);
                if (task.Tile is { } tile)
                {
                    await tasks.WriteAsync(JsonSerializer.Serialize(tile, JsonSerializerOptions.Web), NpgsqlDbType.Jsonb);
                }
                else
                {
                    await tasks.WriteNullAsync();
                }

                await tasks.WriteAsync(task.IsGold, NpgsqlDbType.Boolean);
            }

            await tasks.CompleteAsync();
        }
    }

    /// <summary>The stored <c>slicing</c> keeps the request's shape: mode, window, stride, tileSize, overlap.</summary>
    private static string SlicingJson(SlicingPlan plan) => JsonSerializer.Serialize(plan switch
    {
        SliceWindowSlicing w => new { mode = plan.Mode, window = (int?)w.Window, stride = (int?)w.Stride, tileSize = (int?)null, overlap = (int?)null },
        TileSlicing t => new { mode = plan.Mode, window = (int?)null, stride = (int?)null, tileSize = (int?)t.TileSize, overlap = (int?)t.Overlap },
        _ => new { mode = plan.Mode, window = (int?)null, stride = (int?)null, tileSize = (int?)null, overlap = (int?)null },
    });

    /// <summary>A batch's state change leaves a trace: <c>batch.{status}</c>, by whoever caused it.</summary>
    public static void AuditStatus(this UnitOfWork work, Guid batchId, string status, AuditActor actor, string? detail = null) =>
        work.Audit(actor, $"batch.{status}", "batch", batchId.ToString(), detail);

    public static Task<BatchRow?> FindBatchAsync(this UnitOfWork work, Guid batchId, bool forUpdate = false) =>
        work.QuerySingleOrDefaultAsync<BatchRow>(
            $"SELECT {BatchColumns} FROM batches WHERE batch_id = @batchId {(forUpdate ? "FOR UPDATE" : "")}", new { batchId });

    public static async Task<IReadOnlyList<BatchRow>> ListBatchesAsync(
        this NpgsqlDataSource dataSource, string? requesterId, string? status, Guid? after, int limit)
    {
        var sql = $"""
            SELECT {BatchColumns} FROM batches
            WHERE (@requesterId::text IS NULL OR requester_id = @requesterId)
              AND (@status::text IS NULL OR status = @status)
              AND (@after::uuid IS NULL OR batch_id > @after)
            ORDER BY batch_id
            LIMIT @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<BatchRow>(sql, new { requesterId, status, after, limit })).ToList();
    }

    /// <summary>
    /// The batch's tasks after <paramref name="afterPosition"/> in position order, at most <paramref name="limit"/>: a keyset
    /// page on (batch_id, position), so releasing a million tasks reads them a chunk at a time, each page as cheap as the first.
    /// </summary>
    public static async Task<IReadOnlyList<TaskRow>> TasksAsync(this UnitOfWork work, Guid batchId, int afterPosition, int limit)
    {
        const string sql = """
            SELECT t.task_id, t.position, t.item_id, i.task_count AS item_task_count, i.external_id, i.content_uri,
                   t.slice_from, t.slice_to, t.tile::text AS tile, t.is_gold, i.truth::text AS truth, i.prediction::text AS prediction
            FROM tasks t JOIN items i ON i.item_id = t.item_id
            WHERE t.batch_id = @batchId AND t.position > @afterPosition
            ORDER BY t.position
            LIMIT @limit
            """;
        return (await work.QueryAsync<TaskRow>(sql, new { batchId, afterPosition, limit })).ToList();
    }

    public static async Task<IReadOnlyList<ResultRow>> ResultsAsync(this NpgsqlDataSource dataSource, Guid batchId, int afterPosition, int limit)
    {
        // Gold tasks measure workers; they are never part of a requester's results. The page is walked on tasks'
        // (batch_id, position) index, each task's result found by its key: every page of a million-task export costs
        // the same, where filtering results by batch_id (no index) scanned them all for each page.
        const string sql = """
            SELECT t.task_id, t.position, i.external_id, t.slice_from, t.slice_to, t.tile::text AS tile, r.label::text AS label,
                   r.confidence, r.agreement, r.annotation_count, r.source, r.revision, r.model_agrees
            FROM results r
            JOIN tasks t ON t.task_id = r.task_id
            JOIN items i ON i.item_id = t.item_id
            WHERE t.batch_id = @batchId AND r.batch_id = @batchId AND NOT t.is_gold AND t.position > @afterPosition
            ORDER BY t.position
            LIMIT @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<ResultRow>(sql, new { batchId, afterPosition, limit })).ToList();
    }

    public static TileRegion? ParseTile(string? tile) => tile is null ? null : JsonSerializer.Deserialize<TileRegion>(tile, JsonSerializerOptions.Web);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, int? value) =>
        value is { } v ? importer.WriteAsync(v, NpgsqlDbType.Integer) : importer.WriteNullAsync();

    private static Task WriteJsonAsync(NpgsqlBinaryImporter importer, JsonElement? value) =>
        value is { } v ? importer.WriteAsync(v.GetRawText(), NpgsqlDbType.Jsonb) : importer.WriteNullAsync();
}
