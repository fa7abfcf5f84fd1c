using System.Globalization;
using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels;

/// <summary>
/// <c>{ "masks": [ { "label", "width", "height", "rle": [start, length, ...], "slice"? } ] }</c>: at most one binary mask per
/// class of the schema and slice, its runs row-major, 0-based, sorted, not overlapping and inside the image
/// (<see cref="RleMask.Misfit"/>); <c>slice</c> (series only) a slice index ≥ 0. A class without a mask is empty. The
/// item's size is not known where submissions are checked, so consensus holds the masks of one task to one size
/// (<see cref="RleMask"/> refuses to compare masks of different sizes).
/// </summary>
public sealed class MaskShape : IPayloadShape
{
    /// <summary>4096 × 4096: consensus counts votes per pixel, and a larger image is tiled (API.md <c>slicing.mode</c> tiles).</summary>
    public const long MaxPixels = 4096L * 4096;

    private static readonly HashSet<string> Fields = ["label", "width", "height", "rle", "slice"];

    /// <summary>A series has at most this many slices to draw on; it bounds the masks of one payload.</summary>
    public const int MaxMasksPerClass = 1000;

    public string Kind => LabelPayloads.Segmentation;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root)
    {
        var keys = new HashSet<MaskKey>();
        return LabelPayloads.ListMisfit(schema, payload, root, "masks", Kind, Fields, schema.Classes.Count * MaxMasksPerClass, (mask, field) =>
            MaskMisfit(mask, field) ?? (keys.Add(Key(mask)) ? null : ($"{field}.label", "At most one mask per class and slice.")));
    }

    /// <summary>Short, e.g. <c>lesion=1234px;oedema=56px</c>: each class's foreground pixels; empty when nothing was found.</summary>
    public string Display(JsonElement payload) =>
        string.Join(';', Masks(payload).Where(m => m.Value.Area > 0).GroupBy(m => m.Key.Label, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Sum(m => m.Value.Area).ToString(CultureInfo.InvariantCulture)}px"));

    /// <summary>The masks of a payload that fits, by class and slice (null without slices).</summary>
    public static IReadOnlyDictionary<MaskKey, RleMask> Masks(JsonElement payload) => payload.GetProperty("masks").EnumerateArray()
        .ToDictionary(
            Key,
            m => new RleMask(m.GetProperty("width").GetInt32(), m.GetProperty("height").GetInt32(), m.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()).ToArray()));

    /// <summary>A payload of <paramref name="masks"/>; <c>slice</c> only where the key has one.</summary>
    public static JsonElement Payload(IEnumerable<KeyValuePair<MaskKey, RleMask>> masks) => JsonSerializer.SerializeToElement(new
    {
        masks = masks.Select(m => new { label = m.Key.Label, width = m.Value.Width, height = m.Value.Height, rle = m.Value.Runs.ToArray(), slice = m.Key.Slice }),
    }, WithoutNulls);

    private static readonly JsonSerializerOptions WithoutNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static MaskKey Key(JsonElement mask) => new(
        mask.GetProperty("label").GetString()!,
        mask.TryGetProperty("slice", out var slice) && slice.ValueKind == JsonValueKind.Number ? slice.GetInt32() : null);

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

        if (RleMask.Misfit(size[0], size[1], rle.EnumerateArray().Select(r => (long)r.GetInt32()).ToArray()) is { } problem)
        {
            return ($"{field}.rle", problem);
        }

        return mask.TryGetProperty("slice", out var slice) && !(slice.ValueKind == JsonValueKind.Number && slice.TryGetInt32(out var sliceIndex) && sliceIndex >= 0)
            ? ($"{field}.slice", "Must be a whole slice index of at least 0.")
            : null;
    }
}

/// <summary>Which mask of a payload: its class, and its slice on a series (null otherwise).</summary>
public readonly record struct MaskKey(string Label, int? Slice);
