namespace Crowd.Slicing.Options;

public sealed class PlatformOptions
{
    /// <summary>The platform's fee on each annotation's reward, in basis points (1000 = 10 %).</summary>
    public int FeeBasisPoints { get; set; } = 1000;

    /// <summary>Tasks per <c>TasksReleased</c> message: big batches travel in chunks the broker handles comfortably.</summary>
    public int ReleaseChunkSize { get; set; } = 500;

    /// <summary>API.md "Limits": the most tasks one item may be cut into (<c>Platform:MaxTasksPerItem</c>).</summary>
    public int MaxTasksPerItem { get; set; } = 100_000;

    /// <summary>API.md "Limits": the most tasks one batch may be cut into, gold included (<c>Platform:MaxTasksPerBatch</c>).</summary>
    public int MaxTasksPerBatch { get; set; } = 1_000_000;
}
