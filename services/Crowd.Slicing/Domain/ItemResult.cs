using System.Text.Json;
using System.Text.Json.Serialization;
using Crowd.Labels;
using Crowd.Labels.Stitching;

namespace Crowd.Slicing.Domain;

/// <summary>
/// One item of a batch's item results (API.md <c>GET /v1/batches/{batchId}/items</c>): <c>pending</c> until every task of
/// the item is final (a final label, or excluded by QA); then its tasks' labels stitched into item coordinates. The item's
/// content reference and size come along so that a viewer (the console) can link the image and draw the findings over
/// a frame of the item's size: no pixels are stored.
/// </summary>
public sealed record ItemResult(
    string ExternalId, string ContentUri, int? Width, int? Height, int? SliceCount,
    string Status, int TaskCount, int FinalTaskCount, [property: JsonIgnore] StitchedItem? Stitched)
{
    public const string Final = "final";
    public const string Pending = "pending";

    public JsonElement? Label => Stitched?.Label;

    public double? Confidence => Stitched?.Confidence;

    public IReadOnlyList<Finding> Findings => Stitched?.Findings ?? [];

    /// <summary>A task of the item: its final label (null while undecided, and for a task QA excluded) and whether it is final.</summary>
    public sealed record TaskOutcome(TaskLabel? Label, bool IsFinal);

    public static ItemResult Of(
        string externalId, string contentUri, ItemShape shape, int taskCount, LabelSchema schema, IReadOnlyList<TaskOutcome> tasks)
    {
        var finalCount = tasks.Count(t => t.IsFinal);
        // taskCount is the item's own count: were a task missing from those loaded, the item stays pending rather than final.
        var isFinal = finalCount >= taskCount;
        var stitched = isFinal ? ItemStitcher.Stitch(shape, schema, tasks.Where(t => t.Label is not null).Select(t => t.Label!).ToList()) : null;
        return new ItemResult(
            externalId, contentUri, shape.Width, shape.Height, shape.SliceCount, isFinal ? Final : Pending, taskCount, finalCount, stitched);
    }
}
