namespace Crowd.Assignment.Options;

/// <summary>How hard tasks (consensus asked for more than <c>redundancy.min</c>) are offered: section <c>HardTasks</c>.</summary>
public sealed class HardTaskOptions
{
    /// <summary>
    /// How long a hard task is offered only to workers at or above its batch's median reliability before anyone who may
    /// take it can; zero turns the preference off.
    /// </summary>
    public TimeSpan StrongWorkersFirstFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a batch's median reliability may be before a hard task recomputes it.</summary>
    public TimeSpan MedianMaxAge { get; set; } = TimeSpan.FromMinutes(1);
}
