using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels.Stitching;

/// <summary>
/// The item a batch's tasks were cut from, as the request gave it: its size in pixels and its slice count on a series
/// (each null when not given).
/// </summary>
public sealed record ItemShape(int? Width, int? Height, int? SliceCount);

/// <summary>
/// One task's final label (consensus or QA) with where the task sits in the item: its slice window or tile (both null
/// for a whole-item task), its payload of the schema's kind in task coordinates, and its confidence.
/// </summary>
public sealed record TaskLabel(SliceRange? Slice, TileRegion? Tile, JsonElement Label, double Confidence);

/// <summary>
/// An item's tasks stitched back into item coordinates (API.md <c>GET /v1/batches/{batchId}/items</c>): its
/// <see cref="Label"/> payload (null only for a classification item without final tasks), its <see cref="Findings"/>
/// (bbox only; empty for the other kinds) and its <see cref="Confidence"/>, the smallest of its tasks' confidences (an
/// item is only as sure as its least sure part; null without final tasks).
/// </summary>
public sealed record StitchedItem(JsonElement? Label, IReadOnlyList<Finding> Findings, double? Confidence);

/// <summary>An axis-aligned box in item pixels (<c>x</c>, <c>y</c> top-left).</summary>
public sealed record FindingBox(double X, double Y, double W, double H);

/// <summary>One slice's box of a finding (<c>slice</c> null without slices).</summary>
public sealed record SliceBox(int? Slice, double X, double Y, double W, double H);

/// <summary>
/// One finding of a bbox item: a class, the first and the last slice it is seen on (both inclusive; null without
/// slices), the union of its boxes, its boxes one per slice or more, sorted by slice then position, and its
/// <see cref="Support"/>: how many task boxes (each task's final boxes, one count each, whatever the number of annotators
/// who drew it) were merged into it.
/// </summary>
public sealed record Finding(string Label, int? SliceFrom, int? SliceTo, FindingBox Box, IReadOnlyList<SliceBox> Boxes, int Support);

/// <summary>A task's final box in item coordinates, and how many task boxes it stands for (1 until merged).</summary>
public sealed record ItemBox(string Label, int? Slice, double X, double Y, double W, double H, int Support)
{
    /// <summary>The union's bounding box of two boxes of one class and slice; their supports add up.</summary>
    public ItemBox Union(ItemBox other)
    {
        ArgumentNullException.ThrowIfNull(other);
        double left = Math.Min(X, other.X), top = Math.Min(Y, other.Y);
        double right = Math.Max(X + W, other.X + other.W), bottom = Math.Max(Y + H, other.Y + other.H);
        return this with { X = left, Y = top, W = right - left, H = bottom - top, Support = Support + other.Support };
    }
}

/// <summary>One class's mask on one slice (null without slices) of a segmentation item, in item pixels, row-major runs.</summary>
public sealed record ItemMask(string Label, int? Slice, int Width, int Height, IReadOnlyList<int> Rle);

/// <summary>A measurement task's value with where its task sits in the item (API.md: <c>{ "slice", "tile", "value" }</c>).</summary>
public sealed record MeasuredValue(SliceRange? Slice, TileRegion? Tile, double Value);
