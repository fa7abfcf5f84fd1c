namespace Crowd.Contracts.Workers;

/// <summary>A worker's estimated accuracy fell under the platform's floor: no more tasks for them.</summary>
public sealed record WorkerSuspended
{
    public required string WorkerId { get; init; }
    public required double EstimatedAccuracy { get; init; }
    public required string Reason { get; init; }
}
