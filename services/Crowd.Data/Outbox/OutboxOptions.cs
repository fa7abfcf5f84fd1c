namespace Crowd.Data.Outbox;

/// <summary>The outbox relay, its retries and the pruning of sent rows and old inbox rows (section <c>Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>Longest sleep between looks at the table when no wake-up arrives (a safety net, not the normal path).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows one relay claims and publishes at once (a window: all in flight together, then marked sent in one UPDATE).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The most message bytes (as stored) one window holds in memory; a window of big messages is cut short.</summary>
    public long MaxWindowBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Relay loops in this instance; they share the rows with each other and with other instances' (SKIP LOCKED). Two,
    /// or one in a process told it has one core (<see cref="CoreShare"/>).
    /// </summary>
    public int Relays { get; set; } = CoreShare.InFlight(2);

    /// <summary>
    /// How long a relay woken for new rows waits for more before it looks. Null: none with one instance, 10 ms for each
    /// instance beyond the first (<see cref="Messaging.RabbitMqOptions.Instances"/>): N instances' relays each see a
    /// commit in N, so without it their windows held a fraction of one instance's rows and the relays looked N times as
    /// often for the same messages (docs/benchmarks.md, "Audit events journaled").
    /// </summary>
    public TimeSpan? GatherDelay { get; set; }

    /// <summary>Off in tests that need rows to stay unsent, as a killed relay would leave them.</summary>
    public bool RelayEnabled { get; set; } = true;

    /// <summary>Failed attempts after which a row is parked (left alone until an operator retries it).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before a failed row's next attempt, doubled with each attempt up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A window whose confirms have not all come by then gives up (its rows stay unsent and go again).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long sent outbox rows are kept (for operators); unsent and parked rows are never pruned.</summary>
    public TimeSpan KeepSent { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long inbox rows are kept: longer than any redelivery (broker or relay) of a message could come late.</summary>
    public TimeSpan KeepInbox { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an <c>Idempotency-Key</c>'s first answer is kept for replay (API.md: 24 hours or more; a setting under 24
    /// hours counts as 24). After it, the same key is a new request.
    /// </summary>
    public TimeSpan KeepIdempotencyKeys { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);
}
