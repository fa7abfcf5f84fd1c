using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Labels;
using Crowd.Slicing.Domain;

namespace Crowd.Slicing.Api;

/// <summary>From a validated request to the domain's values: the one place that knows both, so nothing below Api sees a DTO.</summary>
public static class BatchMapping
{
    /// <summary>The plan a <c>slicing</c> describes, or null while it does not describe one (its rules report why).</summary>
    public static SlicingPlan? TryPlan(SlicingSpec? spec) => spec switch
    {
        { Mode: Slicer.PerItem } => new PerItemSlicing(),
        { Mode: Slicer.SliceWindow, Window: int window and > 0, Stride: int stride and > 0 } => new SliceWindowSlicing(window, stride),
        { Mode: Slicer.Tiles, TileSize: int tileSize and > 0, Overlap: null } => new TileSlicing(tileSize, 0),
        { Mode: Slicer.Tiles, TileSize: int tileSize and > 0, Overlap: int overlap and >= 0 } when overlap < tileSize => new TileSlicing(tileSize, overlap),
        _ => null,
    };

    /// <summary>The request as the domain takes it. Call only once <see cref="SubmitBatchValidator"/> has passed it.</summary>
    public static BatchSubmission ToSubmission(this SubmitBatchRequest request)
    {
        var schema = Required(request.LabelSchema, "labelSchema");
        var kind = Required(schema.Kind, "labelSchema.kind");
        return new BatchSubmission(
            Name: Required(request.Name, "name"),
            Modality: Required(request.Modality, "modality"),
            LabelSchema: new BatchLabelSchema(
                kind, schema.Classes ?? [], schema.Unit, schema.Min, schema.Max, schema.Tolerance, schema.DiceThreshold,
                Ordered: kind == LabelPayloads.Classification ? schema.Ordered ?? false : null),
            GuidelinesUrl: request.GuidelinesUrl,
            Slicing: TryPlan(request.Slicing) ?? throw Unvalidated("slicing"),
            RedundancyMin: Required(request.Redundancy?.Min, "redundancy.min"),
            RedundancyMax: Required(request.Redundancy?.Max, "redundancy.max"),
            AcceptanceThreshold: Required(request.Acceptance?.Threshold, "acceptance.threshold"),
            PricePerAnnotationCents: Required(request.PricePerAnnotationCents, "pricePerAnnotationCents"),
            BonusCents: request.Bonus is null ? 0 : Required(request.Bonus.Cents, "bonus.cents"),
            RequiredQualifications: request.RequiredQualifications ?? [],
            Priority: request.Priority ?? 0,
            Deadline: request.Deadline,
            CallbackUrl: request.CallbackUrl,
            MaxItemSharePerWorker: request.Privacy?.MaxItemSharePerWorker ?? 1.0,
            Items: [
                .. Required(request.Items, "items").Select(i => ToItem(i, isGold: false, truth: null)),
                .. (request.GoldItems ?? []).Select(g => ToItem(g, isGold: true, truth: Required(g.Truth, "goldItems[].truth")))]);
    }

    private static ItemSubmission ToItem(ItemSpec item, bool isGold, JsonElement? truth) => new(
        Required(item.ExternalId, "externalId"), Required(item.ContentUri, "contentUri"), item.SliceCount, item.Width, item.Height,
        item.Metadata is null ? null : JsonSerializer.SerializeToElement(item.Metadata), isGold, truth,
        item.Prediction is { } prediction
            ? new ModelPrediction
            {
                Model = Required(prediction.Model, "prediction.model"),
                Label = Required(prediction.Label, "prediction.label"),
                Score = Required(prediction.Score, "prediction.score"),
            }
            : null);

    private static T Required<T>(T? value, string field) where T : class => value ?? throw Unvalidated(field);

    private static T Required<T>(T? value, string field) where T : struct => value ?? throw Unvalidated(field);

    private static InvalidOperationException Unvalidated(string field) =>
        new($"'{field}' is missing from a batch that passed validation; the validator and the mapping disagree.");
}
