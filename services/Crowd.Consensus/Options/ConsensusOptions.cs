namespace Crowd.Consensus.Options;

public sealed class ConsensusOptions
{
    /// <summary>A worker whose estimated accuracy falls below this is suspended (API.md: "the platform's floor").</summary>
    public double AccuracyFloor { get; set; } = 0.6;

    /// <summary>
    /// How sure consensus must be that a worker is under the floor before suspending them: the posterior probability of
    /// an accuracy under the floor. 0.9 suspends a random clicker on three or four classes within about 10 to 15 judged
    /// answers and, in the simulated crowd of docs/benchmarks.md, no worker whose real accuracy is 0.7 or more.
    /// </summary>
    public double SuspensionConfidence { get; set; } = 0.9;

    /// <summary>Judged annotations needed before the floor applies at all, so that a new worker's first answer never suspends them.</summary>
    public double MinObservationsForSuspension { get; set; } = 5;

    /// <summary>How often the revisitor looks for batches whose every task is final (README, "Revisions"): a batch completes at most this long after its last decision.</summary>
    public TimeSpan RevisitInterval { get; set; } = TimeSpan.FromSeconds(1);
}
