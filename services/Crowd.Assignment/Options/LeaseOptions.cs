namespace Crowd.Assignment.Options;

public sealed class LeaseOptions
{
    /// <summary>How long a claim is held for its worker before the slot goes back to the pool.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>No claim is held longer than this from when it was made, however often it is extended.</summary>
    public TimeSpan MaxTotal { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often expired leases are swept back into the pool.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);
}
