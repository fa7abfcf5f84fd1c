using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Crowd.Data;
using Crowd.Labels;
using Crowd.Labels.Coco;
using Crowd.Labels.Stitching;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using Npgsql;

namespace Crowd.Slicing.Api;

/// <summary>
/// <c>GET /v1/batches/{batchId}/items</c>: each item's tasks stitched back into the item (API.md "item results"), as a
/// paged JSON list, or streamed whole as JSON lines, CSV or one COCO document. Nothing holds the whole batch: items are
/// read a page at a time and each page's tasks by at most <see cref="TasksPerRead"/>, so memory is flat in batch size.
/// </summary>
public static class ItemResultsApi
{
    private const int ItemsPerRead = 200;

    /// <summary>At most this many tasks' labels in memory at once (one item may hold up to 100,000 tasks by itself).</summary>
    private const int TasksPerRead = 20_000;

    private static readonly string[] Formats = ["json", "jsonl", "csv", "coco"];

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapItemResultsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/batches", Roles.Requester).WithTags("Batches").MapGet("/{batchId:guid}/items", GetAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(
        Guid batchId, ClaimsPrincipal user, Database database, NpgsqlDataSource dataSource, string? format, string? after, int? limit)
    {
        if (format is not null && !Formats.Contains(format))
        {
            throw new UnprocessableException("format", $"Must be one of: {string.Join(", ", Formats)}.");
        }

        LabelSchema schema;
        await using (var work = await database.BeginAsync())
        {
            schema = LabelSchema.From(JsonDocument.Parse((await BatchesApi.FindOwnedAsync(work, batchId, user)).LabelSchema).RootElement);
        }

        var afterExternalId = after is null ? null : Cursor.Read(after);
        var items = new ItemPages(dataSource, batchId, schema);
        switch (format ?? "json")
        {
            case "jsonl":
                return Results.Stream(
                    stream => WriteJsonLinesAsync(stream, items.FromAsync(afterExternalId, limit)), "application/jsonl", $"batch-{batchId}-items.jsonl");
            case "csv":
                return Results.Stream(
                    stream => WriteCsvAsync(stream, schema, items.FromAsync(afterExternalId, limit)), "text/csv", $"batch-{batchId}-items.csv");
            case "coco":
                return Results.Stream(stream => WriteCocoAsync(stream, schema, items, afterExternalId, limit), "application/json", $"batch-{batchId}-coco.json");
        }

        var pageSize = Paging.Limit(limit);
        var page = new List<ItemResult>();
        await foreach (var (_, result) in items.FromAsync(afterExternalId, pageSize))
        {
            page.Add(result);
        }

        return Results.Ok(new Page<ItemResult>(page, page.Count == pageSize ? Cursor.Write(page[^1].ExternalId) : null));
    }

    private static async Task WriteJsonLinesAsync(Stream stream, IAsyncEnumerable<(ItemRow Row, ItemResult Result)> items)
    {
        var newline = "\n"u8.ToArray();
        await foreach (var (_, result) in items)
        {
            await JsonSerializer.SerializeAsync(stream, result, Web);
            await stream.WriteAsync(newline);
        }
    }

    /// <summary>The label column is readable where it can be (the class; the classes joined by ';'), JSON otherwise.</summary>
    private static async Task WriteCsvAsync(Stream stream, LabelSchema schema, IAsyncEnumerable<(ItemRow Row, ItemResult Result)> items)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        await writer.WriteLineAsync("externalId,status,taskCount,finalTaskCount,label,confidence,findingCount,findings");
        await foreach (var (_, r) in items)
        {
            var label = r.Label is not { } payload ? "" : schema.Kind switch
            {
                LabelPayloads.Classification => payload.GetProperty("label").GetString() ?? "",
                LabelPayloads.Multilabel => string.Join(';', payload.GetProperty("labels").EnumerateArray().Select(l => l.GetString())),
                _ => payload.GetRawText(),
            };
            await writer.WriteLineAsync(string.Join(',',
                Csv.Escape(r.ExternalId), r.Status, r.TaskCount, r.FinalTaskCount, Csv.Escape(label),
                r.Confidence?.ToString("R", CultureInfo.InvariantCulture), r.Findings.Count,
                r.Findings.Count == 0 ? "" : Csv.Escape(JsonSerializer.Serialize(r.Findings, Web))));
        }
    }

    /// <summary>
    /// One COCO detection document of the final items, streamed: COCO puts every image before every annotation, so the
    /// items are walked twice (images, then annotations), numbering both the same way each time.
    /// </summary>
    private static async Task WriteCocoAsync(Stream stream, LabelSchema schema, ItemPages items, string? afterExternalId, int? limit)
    {
        // The serializer flushes its writer synchronously, which Kestrel refuses: the JSON goes to a buffer that is copied
        // to the response asynchronously whenever it holds enough.
        var buffer = new ArrayBufferWriter<byte>(128 * 1024);
        await using var json = new Utf8JsonWriter(buffer);
        async Task SendAsync()
        {
            await json.FlushAsync();
            await stream.WriteAsync(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }

        json.WriteStartObject();
        json.WritePropertyName("categories");
        JsonSerializer.Serialize(json, CocoExport.Categories(schema), Web);
        foreach (var part in new[] { "images", "annotations" })
        {
            json.WriteStartArray(part);
            long imageId = 1, annotationId = 1;
            await foreach (var (row, result) in items.FromAsync(afterExternalId, limit))
            {
                if (result.Stitched is not { } stitched)
                {
                    continue;
                }

                var coco = CocoExport.Item(row.ContentUri, Shape(row), schema, stitched, imageId, annotationId);
                imageId += coco.Images.Count;
                annotationId += coco.Annotations.Count;
                foreach (var element in part == "images" ? coco.Images.Cast<object>() : coco.Annotations)
                {
                    JsonSerializer.Serialize(json, element, element.GetType(), Web);
                }

                if (json.BytesPending + buffer.WrittenCount > 64 * 1024)
                {
                    await SendAsync();
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        await SendAsync();
    }

    private static ItemShape Shape(ItemRow row) => new(row.Width, row.Height, row.SliceCount);

    /// <summary>The batch's items in external id order, each with its tasks, read a bounded slice at a time.</summary>
    private sealed class ItemPages(NpgsqlDataSource dataSource, Guid batchId, LabelSchema schema)
    {
        /// <summary>Items after <paramref name="afterExternalId"/>; all of them when <paramref name="limit"/> is null.</summary>
        public async IAsyncEnumerable<(ItemRow Row, ItemResult Result)> FromAsync(string? afterExternalId, int? limit)
        {
            var left = limit ?? int.MaxValue;
            while (left > 0)
            {
                var rows = await dataSource.ItemsAsync(batchId, afterExternalId, Math.Min(ItemsPerRead, left));
                foreach (var chunk in ByTaskCount(rows))
                {
                    var tasks = await dataSource.TasksAsync(chunk.Select(r => r.ItemId).ToList());
                    foreach (var row in chunk)
                    {
                        var outcomes = tasks[row.ItemId].Select(t => new ItemResult.TaskOutcome(
                            t.Label is null ? null : new TaskLabel(t.Slice, t.TileRegion, JsonDocument.Parse(t.Label).RootElement, t.Confidence ?? 0),
                            IsFinal: t.Label is not null || t.Excluded)).ToList();
                        yield return (row, ItemResult.Of(row.ExternalId, Shape(row), row.TaskCount, schema, outcomes));
                    }
                }

                if (rows.Count < Math.Min(ItemsPerRead, left))
                {
                    yield break;
                }

                left -= rows.Count;
                afterExternalId = rows[^1].ExternalId;
            }
        }

        /// <summary>Consecutive runs of items whose tasks add up to at most <see cref="TasksPerRead"/> (an item larger than that alone).</summary>
        private static IEnumerable<List<ItemRow>> ByTaskCount(IReadOnlyList<ItemRow> rows)
        {
            var chunk = new List<ItemRow>();
            var tasks = 0;
            foreach (var row in rows)
            {
                if (chunk.Count > 0 && tasks + row.TaskCount > TasksPerRead)
                {
                    yield return chunk;
                    chunk = [];
                    tasks = 0;
                }

                chunk.Add(row);
                tasks += row.TaskCount;
            }

            if (chunk.Count > 0)
            {
                yield return chunk;
            }
        }
    }

    /// <summary>The page cursor: the last external id, opaque to clients (base64url of its UTF-8).</summary>
    private static class Cursor
    {
        public static string Write(string externalId) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(externalId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static string Read(string cursor)
        {
            try
            {
                var base64 = cursor.Replace('-', '+').Replace('_', '/');
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            }
            catch (FormatException)
            {
                throw new UnprocessableException("after", "Not a cursor returned by this endpoint.");
            }
        }
    }
}
