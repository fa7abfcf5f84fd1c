namespace Crowd.Assignment.Options;

/// <summary>How long the pool keeps a finished batch's tasks, claims and annotations: section <c>Pool</c>.</summary>
public sealed class PoolOptions
{
    /// <summary>
    /// How long after its batch completed or drained a task stays in the pool, with its claims and annotations: longer
    /// than any lease (<see cref="LeaseOptions.MaxTotal"/>), so a worker's retried submission still finds its claim.
    /// </summary>
    public TimeSpan KeepFinished { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the pool pruner looks for finished batches past <see cref="KeepFinished"/>.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
}
