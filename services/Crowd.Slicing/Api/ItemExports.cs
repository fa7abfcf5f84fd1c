using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Crowd.Labels;
using Crowd.Labels.Coco;
using Crowd.Labels.Stitching;
using Crowd.ServiceDefaults;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using Npgsql;

namespace Crowd.Slicing.Api;

/// <summary>
/// Item results written out whole, as they are read: nothing holds the whole batch. Items are read
/// <see cref="ItemPages.ItemsPerRead"/> at a time and their tasks at most <see cref="ItemPages.TasksPerRead"/> at a time,
/// so memory stays flat in batch size.
/// </summary>
public static class ItemExports
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task WriteJsonLinesAsync(Stream stream, IAsyncEnumerable<(ItemRow Row, ItemResult Result)> items)
    {
        var newline = "\n"u8.ToArray();
        await foreach (var (_, result) in items)
        {
            await JsonSerializer.SerializeAsync(stream, result, Web);
            await stream.WriteAsync(newline);
        }
    }

    /// <summary>The label column is readable where it can be (the class; the classes joined by ';'), JSON otherwise.</summary>
    public static async Task WriteCsvAsync(Stream stream, LabelSchema schema, IAsyncEnumerable<(ItemRow Row, ItemResult Result)> items)
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
    /// One COCO detection document of the final items, streamed. COCO puts every image before every annotation: the items
    /// are read and stitched once, images go to the response as they come and annotations to a temporary file, which
    /// follows them (a second walk of the batch would stitch every item twice).
    /// </summary>
    public static async Task WriteCocoAsync(Stream stream, LabelSchema schema, ItemPages items, string? afterExternalId, int? limit)
    {
        await using var annotationsFile = new FileStream(
            Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        using var images = new JsonArrayWriter(stream);
        using var annotations = new JsonArrayWriter(annotationsFile);

        await images.WriteRawAsync("{\"categories\":"u8.ToArray());
        await images.WriteRawAsync(JsonSerializer.SerializeToUtf8Bytes(CocoExport.Categories(schema), Web));
        await images.WriteRawAsync(",\"images\":["u8.ToArray());
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
            foreach (var image in coco.Images)
            {
                await images.WriteElementAsync(image);
            }

            foreach (var annotation in coco.Annotations)
            {
                await annotations.WriteElementAsync(annotation);
            }
        }

        await annotations.FlushAsync();
        await images.WriteRawAsync("],\"annotations\":["u8.ToArray());
        await images.FlushAsync();
        annotationsFile.Position = 0;
        await annotationsFile.CopyToAsync(stream);
        await stream.WriteAsync("]}"u8.ToArray());
    }

    /// <summary>
    /// Writes the elements of a JSON array, comma-separated, to a stream, through a buffer copied out asynchronously
    /// (the serializer flushes its writer synchronously, which Kestrel refuses).
    /// </summary>
    private sealed class JsonArrayWriter(Stream stream) : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(128 * 1024);
        private readonly Utf8JsonWriter _json = new(Stream.Null);
        private bool _first = true;

        public async Task WriteElementAsync<T>(T element)
        {
            if (!_first)
            {
                _buffer.Write(","u8);
            }

            _first = false;
            _json.Reset(_buffer); // one root value at a time, into the shared buffer
            JsonSerializer.Serialize(_json, element, Web);

            if (_buffer.WrittenCount > 64 * 1024)
            {
                await FlushAsync();
            }
        }

        public async Task WriteRawAsync(byte[] bytes)
        {
            _buffer.Write(bytes);
            await FlushAsync();
        }

        public async Task FlushAsync()
        {
            await stream.WriteAsync(_buffer.WrittenMemory);
            _buffer.ResetWrittenCount();
        }

        public void Dispose() => _json.Dispose();
    }

    internal static ItemShape Shape(ItemRow row) => new(row.Width, row.Height, row.SliceCount);
}

/// <summary>The batch's items in external id order, each with its tasks, read a bounded slice at a time.</summary>
public sealed class ItemPages(NpgsqlDataSource dataSource, Guid batchId, LabelSchema schema)
{
    public const int ItemsPerRead = 200;

    /// <summary>At most this many tasks' labels in memory at once (one item may hold up to 100,000 tasks by itself).</summary>
    public const int TasksPerRead = 20_000;

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
                        t.Label is null ? null : new TaskLabel(t.Slice, t.TileRegion, JsonElement.Parse(t.Label), t.Confidence ?? 0),
                        IsFinal: t.Label is not null || t.Excluded)).ToList();
                    yield return (row, ItemResult.Of(row.ExternalId, row.ContentUri, ItemExports.Shape(row), row.TaskCount, schema, outcomes));
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
