using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crowd.Labels.Stitching;

/// <summary>
/// An item's final task labels stitched into the item's label and findings (API.md <c>GET /v1/batches/{batchId}/items</c>),
/// so the slicing service only loads and stores. Pure: the same tasks, in any order, give the same item.
/// </summary>
public static class ItemStitcher
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Label payloads write a slice only where there is one, like the annotation payloads they extend.</summary>
    private static readonly JsonSerializerOptions WebWithoutNulls = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// The item's label of <paramref name="schema"/>'s kind, its findings (bbox only) and its confidence (the smallest of its
    /// tasks'), from the final labels of its tasks (excluded tasks left out):
    /// <list type="bullet">
    /// <item>classification <c>{ "label" }</c>: <see cref="ClassificationLabel"/>; null without tasks;</item>
    /// <item>multilabel <c>{ "labels": [...] }</c>: every class some task found, in schema order;</item>
    /// <item>measurement <c>{ "values": [ { "slice", "tile", "value" } ] }</c>: each task's value with its window or tile,
    /// in item order (slice, then tile row, then tile column);</item>
    /// <item>bbox <c>{ "boxes": [ { "label", "x", "y", "w", "h", "slice"?, "support" } ] }</c>: the merged boxes in item
    /// pixels (<see cref="BoxMerge"/>), and the findings (<see cref="SeriesFindings"/>);</item>
    /// <item>segmentation <c>{ "masks": [ { "label", "slice"?, "width", "height", "rle" } ] }</c>: <see cref="MaskUnion"/>.</item>
    /// </list>
    /// </summary>
    public static StitchedItem Stitch(ItemShape item, LabelSchema schema, IReadOnlyList<TaskLabel> tasks)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(tasks);
        double? confidence = tasks.Count == 0 ? null : tasks.Min(t => t.Confidence);
        IReadOnlyList<Finding> findings = [];
        JsonElement? label;
        switch (schema.Kind)
        {
            case LabelPayloads.Classification:
                var chosen = ClassificationLabel(schema, tasks.Select(t => t.Label.GetProperty("label").GetString()!));
                label = chosen is null ? null : JsonSerializer.SerializeToElement(new { label = chosen }, Web);
                break;
            case LabelPayloads.Multilabel:
                var found = tasks.SelectMany(t => t.Label.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!)).ToHashSet(StringComparer.Ordinal);
                label = JsonSerializer.SerializeToElement(new { labels = schema.Classes.Where(found.Contains) }, Web);
                break;
            case LabelPayloads.Measurement:
                var values = tasks
                    .OrderBy(t => t.Slice?.From).ThenBy(t => t.Tile?.Y).ThenBy(t => t.Tile?.X)
                    .Select(t => new MeasuredValue(t.Slice, t.Tile, t.Label.GetProperty("value").GetDouble()));
                label = JsonSerializer.SerializeToElement(new { values }, Web);
                break;
            case LabelPayloads.Bbox:
                var merged = BoxMerge.Merge(tasks.SelectMany(t => BoxShape.Boxes(t.Label).Select(b => TaskToItem.Box(b, t.Tile))));
                findings = SeriesFindings.Group(merged, schema.Classes);
                var boxes = merged
                    .OrderBy(b => SeriesFindings.Rank(schema.Classes, b.Label)).ThenBy(b => b.Label, StringComparer.Ordinal)
                    .ThenBy(b => b.Slice).ThenBy(b => b.X).ThenBy(b => b.Y)
                    .Select(b => new { b.Label, b.X, b.Y, b.W, b.H, b.Slice, b.Support });
                label = JsonSerializer.SerializeToElement(new { boxes }, WebWithoutNulls);
                break;
            case LabelPayloads.Segmentation:
                var masks = MaskUnion.Stitch(item, schema.Classes, tasks.SelectMany(t => MaskShape.Masks(t.Label).Select(m => new TaskMask(m.Key, m.Value, t.Tile))));
                label = JsonSerializer.SerializeToElement(new { masks }, WebWithoutNulls);
                break;
            default:
                throw new ArgumentException($"Items of kind '{schema.Kind}' cannot be stitched.", nameof(schema));
        }

        return new StitchedItem(label, findings, confidence);
    }

    /// <summary>
    /// An item's class from its tasks' classes: with <see cref="LabelSchema.Ordered"/> classes the most severe one (latest
    /// in the schema), else the most frequent one, a tie going to the class earlier in the schema. Null without any
    /// class of the schema.
    /// </summary>
    public static string? ClassificationLabel(LabelSchema schema, IEnumerable<string> taskLabels)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(taskLabels);
        var counts = new int[schema.Classes.Count];
        foreach (var taskLabel in taskLabels)
        {
            var rank = SeriesFindings.Rank(schema.Classes, taskLabel);
            if (rank < counts.Length)
            {
                counts[rank]++;
            }
        }

        var best = -1;
        for (var i = 0; i < counts.Length; i++)
        {
            // Ordered: any vote for a later class wins; else only strictly more votes, so a tie keeps the earlier class.
            if (counts[i] > 0 && (best < 0 || (schema.Ordered ? i > best : counts[i] > counts[best])))
            {
                best = i;
            }
        }

        return best < 0 ? null : schema.Classes[best];
    }
}
