namespace Crowd.Contracts.Batches;

/// <summary>
/// A cancelled batch has no open claim left and can take none: no annotation of it will ever be submitted again.
/// Payouts returns the unspent escrow once it has paid <see cref="AnnotationCount"/> annotations. Published once per batch.
/// </summary>
public sealed record BatchDrained
{
    public required Guid BatchId { get; init; }
    /// <summary>Every annotation ever submitted for the batch, before and after the cancel: each one is paid before settlement.</summary>
    public required int AnnotationCount { get; init; }
    public required DateTimeOffset DrainedAt { get; init; }
}
