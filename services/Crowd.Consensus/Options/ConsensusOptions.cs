namespace Crowd.Consensus.Options;

public sealed class ConsensusOptions
{
    /// <summary>A worker whose estimated accuracy falls below this is suspended (API.md: "the platform's floor").</summary>
    public double AccuracyFloor { get; set; } = 0.6;

    /// <summary>
    /// How sure consensus must be that a worker is under the floor before suspending them: the posterior probability of
    /// an accuracy under the floor. The test runs again after every judged answer, hundreds of times for a busy worker, so
    /// it must be strict: at 0.9 the simulated crowd of docs/benchmarks.md ("Revisiting early decisions") lost one to three
    /// workers of real accuracy 0.7 or more to runs of bad luck; at 0.975 none, while a new worker who is always wrong is
    /// still suspended on the seventh judged answer (ReliabilityLearningTests).
    /// </summary>
    public double SuspensionConfidence { get; set; } = 0.975;

    /// <summary>Judged annotations needed before the floor applies at all, so that a new worker's first answer never suspends them.</summary>
    public double MinObservationsForSuspension { get; set; } = 5;

    /// <summary>How often the revisitor looks for batches whose every task is final (README, "Revisions"): a batch completes at most this long after its last decision.</summary>
    public TimeSpan RevisitInterval { get; set; } = TimeSpan.FromSeconds(1);
}
