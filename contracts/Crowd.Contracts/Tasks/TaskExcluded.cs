namespace Crowd.Contracts.Tasks;

/// <summary>
/// A QA reviewer dropped the task from the results: it has no final label, yet it is decided, so its batch can
/// complete. Its annotations are judged (and paid) like those of any finalized task.
/// </summary>
public sealed record TaskExcluded
{
    public required Guid TaskId { get; init; }
    public required Guid BatchId { get; init; }
    public required int AnnotationCount { get; init; }
    public string? Note { get; init; }
    public required DateTimeOffset ExcludedAt { get; init; }
}
