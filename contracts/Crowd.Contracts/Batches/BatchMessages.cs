namespace Crowd.Contracts.Batches;

/// <summary>A requester posted a batch; payouts must hold <see cref="MaxCostCents"/> in escrow before work starts.</summary>
public sealed record BatchSubmitted
{
    public required Guid BatchId { get; init; }
    public required string RequesterId { get; init; }
    public required int TaskCount { get; init; }
    public required long MaxCostCents { get; init; }
    /// <summary>The platform's fee charged on top of each annotation's reward, decided once at submission.</summary>
    public required long FeeCentsPerAnnotation { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    /// <summary>Paid on top of the reward to each annotation that agrees with its task's final label; 0 (no bonus) from a sender that predates it.</summary>
    public long BonusCents { get; init; }
    /// <summary>The platform's fee charged on top of each bonus paid; 0 from a sender that predates it.</summary>
    public long FeeCentsPerBonus { get; init; }
}

/// <summary>Escrow is held: the batch's tasks may be released to workers.</summary>
public sealed record BatchFunded
{
    public required Guid BatchId { get; init; }
    public required long EscrowCents { get; init; }
}

/// <summary>The requester's available balance could not cover the batch's maximum cost.</summary>
public sealed record BatchFundingRejected
{
    public required Guid BatchId { get; init; }
    public required string Reason { get; init; }
}

/// <summary>Every task of the batch has a final label; payouts returns what is left in escrow once each task is judged.</summary>
public sealed record BatchCompleted
{
    public required Guid BatchId { get; init; }
    public required string RequesterId { get; init; }
    /// <summary>Tasks that will each produce exactly one <c>AnnotationsJudged</c>; escrow is settled after the last one.</summary>
    public required int FinalizedTaskCount { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
    /// <summary>
    /// Annotations consensus had judged when it found the batch's labels stable (revisited tasks' extra ones included):
    /// escrow is settled only once each is paid. Null from a sender that predates it.
    /// </summary>
    public int? JudgedAnnotationCount { get; init; }
}

/// <summary>
/// Consensus revisited the batch with every task final and disputed none of its labels (README, "Revisions"). Slicing
/// completes the batch once the labels it holds add up to <see cref="RevisionSum"/> (either message may come first).
/// </summary>
public sealed record BatchLabelsStable
{
    public required Guid BatchId { get; init; }
    /// <summary>The sum of the revisions of the batch's final labels (each task's first label is revision 1).</summary>
    public required int RevisionSum { get; init; }
    public required int JudgedAnnotationCount { get; init; }
}

/// <summary>The requester cancelled the batch: no new claims, unspent escrow returns to the requester.</summary>
public sealed record BatchCancelled
{
    public required Guid BatchId { get; init; }
    public required string RequesterId { get; init; }
    public required DateTimeOffset CancelledAt { get; init; }
}
