using System.Globalization;
using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels;

/// <summary>
/// <c>{ "masks": [ { "label", "width", "height", "rle": [start, length, ...] } ] }</c>: at most one binary mask per class of
/// the schema, its runs row-major, 0-based, sorted, not overlapping and inside the image (<see cref="RleMask.Misfit"/>).
/// A class without a mask is empty. The item's size is not known where submissions are checked, so consensus holds the
/// masks of one task to one size (<see cref="RleMask"/> refuses to compare masks of different sizes).
/// </summary>
public sealed class MaskShape : IPayloadShape
{
    /// <summary>4096 × 4096: consensus counts votes per pixel, and a larger image is tiled (API.md <c>slicing.mode</c> tiles).</summary>
    public const long MaxPixels = 4096L * 4096;

    private static readonly HashSet<string> Fields = ["label", "width", "height", "rle"];

    public string Kind => LabelPayloads.Segmentation;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        return LabelPayloads.ListMisfit(schema, payload, root, "masks", Kind, Fields, schema.Classes.Count, (mask, field) =>
            MaskMisfit(mask, field) ?? (labels.Add(mask.GetProperty("label").GetString()!) ? null : ($"{field}.label", "At most one mask per class.")));
    }

    /// <summary>Short, e.g. <c>lesion=1234px;oedema=56px</c>: each class's foreground pixels; empty when nothing was found.</summary>
    public string Display(JsonElement payload) =>
        string.Join(';', Masks(payload).Where(m => m.Value.Area > 0).Select(m => $"{m.Key}={m.Value.Area.ToString(CultureInfo.InvariantCulture)}px"));

    /// <summary>The masks of a payload that fits, by class.</summary>
    public static IReadOnlyDictionary<string, RleMask> Masks(JsonElement payload) => payload.GetProperty("masks").EnumerateArray()
        .ToDictionary(
            m => m.GetProperty("label").GetString()!,
            m => new RleMask(m.GetProperty("width").GetInt32(), m.GetProperty("height").GetInt32(), m.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()).ToArray()),
            StringComparer.Ordinal);

    public static JsonElement Payload(IEnumerable<KeyValuePair<string, RleMask>> masks) => JsonSerializer.SerializeToElement(new
    {
        masks = masks.Select(m => new { label = m.Key, width = m.Value.Width, height = m.Value.Height, rle = m.Value.Runs.ToArray() }),
    });

    /// <summary>A mask's own misfit, once its fields and label are known to be right.</summary>
    private static (string, string)? MaskMisfit(JsonElement mask, string field)
    {
        var size = new long[2];
        foreach (var (name, index) in new[] { ("width", 0), ("height", 1) })
        {
            if (!(mask.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var pixels) && pixels > 0))
            {
                return ($"{field}.{name}", "Must be a whole number of pixels greater than 0.");
            }

            size[index] = value.GetInt32();
        }

        if (size[0] * size[1] > MaxPixels)
        {
            return ($"{field}.width", $"A mask has at most {MaxPixels} pixels (4096 × 4096).");
        }

        if (!mask.TryGetProperty("rle", out var rle) || rle.ValueKind != JsonValueKind.Array
            || rle.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out _)))
        {
            return ($"{field}.rle", "Must be an array of whole numbers: start, length, start, length, ...");
        }

        return RleMask.Misfit(size[0], size[1], rle.EnumerateArray().Select(r => (long)r.GetInt32()).ToArray()) is { } problem
            ? ($"{field}.rle", problem)
            : null;
    }
}
