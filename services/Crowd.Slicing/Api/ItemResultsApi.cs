using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Crowd.Data;
using Crowd.Labels;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Crowd.Slicing.Domain;
using Npgsql;

namespace Crowd.Slicing.Api;

/// <summary>
/// <c>GET /v1/batches/{batchId}/items</c>: each item's tasks stitched back into the item (API.md "item results"), as a
/// paged JSON list, or streamed whole as JSON lines, CSV or one COCO document (<see cref="ItemExports"/>).
/// </summary>
public static class ItemResultsApi
{
    private static readonly string[] Formats = ["json", "jsonl", "csv", "coco"];

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
                    stream => ItemExports.WriteJsonLinesAsync(stream, items.FromAsync(afterExternalId, limit)), "application/jsonl", $"batch-{batchId}-items.jsonl");
            case "csv":
                return Results.Stream(
                    stream => ItemExports.WriteCsvAsync(stream, schema, items.FromAsync(afterExternalId, limit)), "text/csv", $"batch-{batchId}-items.csv");
            case "coco":
                return Results.Stream(stream => ItemExports.WriteCocoAsync(stream, schema, items, afterExternalId, limit), "application/json", $"batch-{batchId}-coco.json");
        }

        var pageSize = Paging.Limit(limit);
        var page = new List<ItemResult>();
        await foreach (var (_, result) in items.FromAsync(afterExternalId, pageSize))
        {
            page.Add(result);
        }

        return Results.Ok(new Page<ItemResult>(page, page.Count == pageSize ? Cursor.Write(page[^1].ExternalId) : null));
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
