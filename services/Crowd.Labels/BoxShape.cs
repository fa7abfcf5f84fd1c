using System.Globalization;
using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels;

/// <summary>
/// <c>{ "boxes": [ { "label", "x", "y", "w", "h", "slice"? } ] }</c>: boxes in pixels, each of one of the schema's classes,
/// with a positive size and a top-left corner at x, y ≥ 0; <c>slice</c> (series only) a slice index ≥ 0. An empty list
/// means nothing was found.
/// </summary>
public sealed class BoxShape : IPayloadShape
{
    /// <summary>Enough for any image a person annotates; it bounds consensus's box matching, which is quadratic.</summary>
    public const int MaxBoxes = 500;

    private static readonly HashSet<string> Fields = ["label", "x", "y", "w", "h", "slice"];

    public string Kind => LabelPayloads.Bbox;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root) =>
        LabelPayloads.ListMisfit(schema, payload, root, "boxes", Kind, Fields, MaxBoxes, BoxMisfit);

    /// <summary>Short, e.g. <c>nodule×2;mass×1</c>, classes in order of first appearance; empty when nothing was found.</summary>
    public string Display(JsonElement payload) => string.Join(';', Boxes(payload)
        .GroupBy(b => b.Label, StringComparer.Ordinal)
        .Select(g => $"{g.Key}×{g.Count().ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The boxes of a payload that fits.</summary>
    public static IReadOnlyList<Box> Boxes(JsonElement payload) => payload.GetProperty("boxes").EnumerateArray()
        .Select(b => new Box(
            b.GetProperty("label").GetString()!,
            b.GetProperty("x").GetDouble(), b.GetProperty("y").GetDouble(), b.GetProperty("w").GetDouble(), b.GetProperty("h").GetDouble(),
            b.TryGetProperty("slice", out var slice) && slice.ValueKind == JsonValueKind.Number ? slice.GetInt32() : null))
        .ToList();

    /// <summary>A payload of <paramref name="boxes"/>, each with its <c>support</c> when given (how many annotators drew it).</summary>
    public static JsonElement Payload(IEnumerable<(Box Box, int? Support)> boxes) => JsonSerializer.SerializeToElement(new
    {
        boxes = boxes.Select(b => new { label = b.Box.Label, x = b.Box.X, y = b.Box.Y, w = b.Box.W, h = b.Box.H, slice = b.Box.Slice, support = b.Support }),
    }, WithoutNulls);

    private static readonly JsonSerializerOptions WithoutNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>A box's own misfit, once its fields and label are known to be right.</summary>
    private static (string, string)? BoxMisfit(JsonElement box, string field)
    {
        foreach (var (name, positive) in new[] { ("x", false), ("y", false), ("w", true), ("h", true) })
        {
            // JSON has no NaN or infinity, but a number too large for a double reads as one.
            var fits = box.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetDouble(out var number) && double.IsFinite(number) && (positive ? number > 0 : number >= 0);
            if (!fits)
            {
                return ($"{field}.{name}", positive ? "Must be a number greater than 0." : "Must be a number of at least 0.");
            }
        }

        return box.TryGetProperty("slice", out var slice) && !(slice.ValueKind == JsonValueKind.Number && slice.TryGetInt32(out var index) && index >= 0)
            ? ($"{field}.slice", "Must be a whole slice index of at least 0.")
            : null;
    }
}
