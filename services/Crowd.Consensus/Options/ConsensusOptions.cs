namespace Crowd.Consensus.Options;

public sealed class ConsensusOptions
{
    /// <summary>A worker whose estimated accuracy falls below this is suspended (API.md: "the platform's floor").</summary>
    public double AccuracyFloor { get; set; } = 0.6;

    /// <summary>Judged annotations needed before the floor applies, so that a new worker's first mistakes do not suspend them.</summary>
    public double MinObservationsForSuspension { get; set; } = 10;
}
