namespace Crowd.Data.Audit;

/// <summary>How the <see cref="AuditShipper"/> moves journaled audit events to the outbox (section <c>Audit</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>
    /// How long the shipper waits, once woken, for more events before it ships: under load a message then carries a
    /// gather's worth (about 80 events at 1,600 claims a second, instead of one); idle, an event reaches the chain that much later.
    /// </summary>
    public TimeSpan GatherDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest sleep between looks when no local commit wakes the shipper: another instance's events it did not ship.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
