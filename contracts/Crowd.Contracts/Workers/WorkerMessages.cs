namespace Crowd.Contracts.Workers;

/// <summary>A worker's estimated accuracy fell under the platform's floor: no more tasks for them.</summary>
public sealed record WorkerSuspended
{
    public required string WorkerId { get; init; }
    public required double EstimatedAccuracy { get; init; }
    public required string Reason { get; init; }
}

/// <summary>The workers whose reliability consensus changed in one transaction, in one message (<see cref="WorkerReliabilityChanged"/> each).</summary>
public sealed record WorkerReliabilitiesChanged
{
    public required IReadOnlyList<WorkerReliabilityChanged> Workers { get; init; }
}

/// <summary>
/// Consensus learned more about a worker: their profile shows the new estimate. Sent inside
/// <see cref="WorkerReliabilitiesChanged"/>.
/// </summary>
public sealed record WorkerReliabilityChanged
{
    public required string WorkerId { get; init; }

    /// <summary>Posterior mean accuracy (one-coin, with the new-worker prior).</summary>
    public required double EstimatedAccuracy { get; init; }

    /// <summary>Judged answers behind the estimate; it only grows, so a late message cannot overwrite a newer estimate.</summary>
    public required double Observations { get; init; }
}
