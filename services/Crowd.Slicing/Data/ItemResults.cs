using Crowd.Contracts.Tasks;
using Dapper;
using Npgsql;

namespace Crowd.Slicing.Data;

/// <summary>A non-gold item as stored: what its tasks are stitched back into.</summary>
public sealed record ItemRow(Guid ItemId, string ExternalId, string ContentUri, int? SliceCount, int? Width, int? Height, int TaskCount);

/// <summary>One task of an item with its final label, if it has one (<see cref="Label"/> null and <see cref="Excluded"/> false: not final yet).</summary>
public sealed record ItemTaskRow(Guid ItemId, int? SliceFrom, int? SliceTo, string? Tile, string? Label, double? Confidence, bool Excluded)
{
    public SliceRange? Slice => SliceFrom is { } from ? new SliceRange(from, SliceTo ?? from + 1) : null;

    public TileRegion? TileRegion => BatchStore.ParseTile(Tile);
}

public static class ItemResults
{
    /// <summary>The batch's non-gold items after <paramref name="afterExternalId"/>, in external id order.</summary>
    public static async Task<IReadOnlyList<ItemRow>> ItemsAsync(this NpgsqlDataSource dataSource, Guid batchId, string? afterExternalId, int limit)
    {
        const string sql = """
            SELECT i.item_id, i.external_id, i.content_uri, i.slice_count, i.width, i.height, i.task_count
            FROM items i
            WHERE i.batch_id = @batchId AND NOT i.is_gold AND (@afterExternalId::text IS NULL OR i.external_id > @afterExternalId)
            ORDER BY i.external_id
            LIMIT @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<ItemRow>(sql, new { batchId, afterExternalId, limit })).ToList();
    }

    /// <summary>Every task of the given items, in task order, with its final label or exclusion where there is one.</summary>
    public static async Task<ILookup<Guid, ItemTaskRow>> TasksAsync(this NpgsqlDataSource dataSource, IReadOnlyList<Guid> itemIds)
    {
        const string sql = """
            SELECT t.item_id, t.slice_from, t.slice_to, t.tile::text AS tile, r.label::text AS label, r.confidence,
                   (x.task_id IS NOT NULL) AS excluded
            FROM tasks t
            LEFT JOIN results r ON r.task_id = t.task_id
            LEFT JOIN excluded_tasks x ON x.task_id = t.task_id
            WHERE t.item_id = ANY(@itemIds)
            ORDER BY t.item_id, t.position
            """;
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<ItemTaskRow>(sql, new { itemIds = itemIds.ToArray() })).ToLookup(t => t.ItemId);
    }
}
