using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Contracts.Annotations;

/// <summary>A worker submitted an annotation within the lease of their claim.</summary>
public sealed record AnnotationSubmitted
{
    public required Guid AnnotationId { get; init; }
    public required Guid ClaimId { get; init; }
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required string WorkerId { get; init; }
    public required JsonElement Payload { get; init; }
    public required long RewardCents { get; init; }
    public required TaskPolicy Policy { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    /// <summary>What the task shows, so that consensus can hand it to a QA reviewer; null from a sender that predates it.</summary>
    public TaskContent? Content { get; init; }
}

/// <summary>
/// The final labels consensus decided in one transaction, in one message (<see cref="LabelAccepted"/> each): a message
/// per decision cost the relay, the broker and slicing's inbox as much as the decision itself.
/// </summary>
public sealed record LabelsAccepted
{
    public required IReadOnlyList<LabelAccepted> Labels { get; init; }
}

/// <summary>A task's final label: from consensus, or from a QA reviewer. Sent inside <see cref="LabelsAccepted"/>.</summary>
public sealed record LabelAccepted
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required JsonElement Label { get; init; }
    public required double Confidence { get; init; }
    public required double Agreement { get; init; }
    public required int AnnotationCount { get; init; }
    /// <summary><c>consensus</c> or <c>qa</c>.</summary>
    public required string Source { get; init; }
    public required bool IsGold { get; init; }
    /// <summary>
    /// Of the annotations judged with this label (all of them for a task's first label; for a revision, those it added),
    /// those that agree with <see cref="Label"/>: each earns the batch's bonus. Null from a sender that predates it.
    /// </summary>
    public int? AgreeingCount { get; init; }
    /// <summary>1 for a task's first final label; a revisited task's later label (README, "Revisions") comes with a higher one and replaces it.</summary>
    public int Revision { get; init; } = 1;
    /// <summary>Whether the task's model prediction agrees with <see cref="Label"/> by the kind's rule; null for a task without one.</summary>
    public bool? ModelAgrees { get; init; }
}

/// <summary>The tasks whose annotations consensus judged in one transaction, in one message (<see cref="AnnotationsJudged"/> each).</summary>
public sealed record TasksJudged
{
    public required IReadOnlyList<AnnotationsJudged> Tasks { get; init; }
}

/// <summary>
/// Each annotation of a finalized task, judged against its final label. Payouts pays from this, once per annotation.
/// Sent inside <see cref="TasksJudged"/>.
/// </summary>
public sealed record AnnotationsJudged
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required IReadOnlyList<JudgedAnnotation> Annotations { get; init; }
}

public sealed record JudgedAnnotation
{
    public required Guid AnnotationId { get; init; }
    public required string WorkerId { get; init; }
    public required long RewardCents { get; init; }
    public required bool AgreesWithFinal { get; init; }
}
