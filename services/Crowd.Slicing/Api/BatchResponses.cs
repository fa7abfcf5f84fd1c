using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;

namespace Crowd.Slicing.Api;

public sealed record BatchAccepted(Guid BatchId, string Status, int TaskCount, long MaxCostCents);

public sealed record BatchView(
    Guid BatchId, string Name, string Status, string? RejectionReason, int TaskCount, int AcceptedCount, int EscalatedCount,
    int AnnotationCount, long SpentCents, long MaxCostCents, DateTime CreatedAt, DateTime? CompletedAt,
    DateTime? CancelledAt, int ExcludedCount)
{
    public static BatchView From(BatchRow b) => new(
        b.BatchId, b.Name, b.Status, b.RejectionReason, b.TaskCount, b.AcceptedCount, b.EscalatedCount, b.AnnotationCount,
        Pricing.SpentCents(b.AnnotationCount, b.PricePerAnnotationCents, b.PlatformFeeBasisPoints)
            + Pricing.BonusSpentCents(b.AgreeingAnnotationCount, b.BonusCents, b.PlatformFeeBasisPoints), b.MaxCostCents, b.CreatedAt, b.CompletedAt,
        b.CancelledAt, b.ExcludedCount);
}

public sealed record ResultView(
    Guid TaskId, string ExternalId, SliceRange? Slice, TileRegion? Tile, JsonElement Label, double Confidence, double Agreement,
    int AnnotationCount, string Source, int Revision, bool? ModelAgrees)
{
    public static ResultView From(ResultRow r) => new(
        r.TaskId, r.ExternalId, r.SliceFrom is { } from ? new SliceRange(from, r.SliceTo!.Value) : null, BatchStore.ParseTile(r.Tile),
        JsonDocument.Parse(r.Label).RootElement, r.Confidence, r.Agreement, r.AnnotationCount, r.Source, r.Revision, r.ModelAgrees);
}
