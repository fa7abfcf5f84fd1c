using System.Globalization;
using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels;

/// <summary>
/// Whether a bbox or segmentation payload fits where its task sits in the item (API.md "Coordinates inside a task"):
/// on a slice-window task every box's and mask's <c>slice</c> is required and lies in the window <c>[from, to)</c>; on a
/// tile task a box lies within the tile (tile-local pixels, 0..W × 0..H) and a mask is tile-sized; a task without a
/// slice window (a tile, or a whole item) has no slices to name, so <c>slice</c> is absent. Stitching relies on this:
/// a task's coordinates map into the item only when they stay inside the task.
/// </summary>
public static class TaskGeometry
{
    /// <summary>
    /// The first misfit of <paramref name="payload"/> (which already fits its shape, <see cref="LabelPayloads.Misfit"/>)
    /// with the task's <paramref name="slice"/> window or <paramref name="tile"/>: the field under <paramref name="root"/>
    /// and why; null when it fits, and always for kinds without coordinates.
    /// </summary>
    public static (string Field, string Message)? Misfit(string kind, JsonElement payload, SliceRange? slice, TileRegion? tile, string root)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var (list, isBox) = kind switch
        {
            LabelPayloads.Bbox => ("boxes", true),
            LabelPayloads.Segmentation => ("masks", false),
            _ => (null, false),
        };
        if (list is null)
        {
            return null;
        }

        var i = 0;
        foreach (var element in payload.GetProperty(list).EnumerateArray())
        {
            var field = $"{root}.{list}[{i++}]";
            var misfit = SliceMisfit(element, field, slice)
                ?? (tile is null ? null : isBox ? BoxInTile(element, field, tile) : MaskInTile(element, field, tile));
            if (misfit is not null)
            {
                return misfit;
            }
        }

        return null;
    }

    private static (string, string)? SliceMisfit(JsonElement element, string field, SliceRange? window)
    {
        var has = element.TryGetProperty("slice", out var value) && value.ValueKind != JsonValueKind.Null;
        if (window is null)
        {
            return has ? ($"{field}.slice", "This task shows no slice window: leave slice out.") : null;
        }

        var inside = has && value.TryGetInt32(out var index) && index >= window.From && index < window.To;
        return inside
            ? null
            : ($"{field}.slice", $"Must be an absolute slice index in this task's window [{N(window.From)}, {N(window.To)}).");
    }

    private static (string, string)? BoxInTile(JsonElement box, string field, TileRegion tile)
    {
        // Tile-local pixels: x, y ≥ 0 is the shape's own check; the far edges must stay inside the tile too.
        foreach (var (start, size, extent) in new[] { ("x", "w", tile.W), ("y", "h", tile.H) })
        {
            var from = box.GetProperty(start).GetDouble();
            if (from >= extent)
            {
                return ($"{field}.{start}", $"Must be less than the tile's {(start == "x" ? "width" : "height")} {N(extent)} (pixels from the tile's top-left corner).");
            }

            if (from + box.GetProperty(size).GetDouble() > extent)
            {
                return ($"{field}.{size}", $"{start} + {size} must be at most the tile's {(start == "x" ? "width" : "height")} {N(extent)}.");
            }
        }

        return null;
    }

    private static (string, string)? MaskInTile(JsonElement mask, string field, TileRegion tile)
    {
        if (mask.GetProperty("width").GetInt32() != tile.W)
        {
            return ($"{field}.width", $"Must be the tile's width, {N(tile.W)}.");
        }

        return mask.GetProperty("height").GetInt32() != tile.H ? ($"{field}.height", $"Must be the tile's height, {N(tile.H)}.") : null;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
