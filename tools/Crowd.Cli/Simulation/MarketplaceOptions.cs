namespace Crowd.Cli.Simulation;

/// <summary>A simulated marketplace: one requester's batch with a hidden truth, a crowd of uneven workers, one QA reviewer.</summary>
public sealed record MarketplaceOptions
{
    public int Items { get; init; } = 200;

    /// <summary>Gold items (a known truth, shown to workers like any other task) posted with the batch.</summary>
    public int GoldItems { get; init; }

    public IReadOnlyList<string> Classes { get; init; } = ["nodule", "no-nodule", "unsure"];
    public int RedundancyMin { get; init; } = 3;
    public int RedundancyMax { get; init; } = 7;
    public double Threshold { get; init; } = 0.95;
    public long PriceCents { get; init; } = 40;
    public long DepositCents { get; init; } = 1_000_000;

    /// <summary>Each simulated worker's probability of giving the true label; a wrong answer is uniform over the others.</summary>
    public IReadOnlyList<double> WorkerAccuracies { get; init; } = DefaultCrowd();

    /// <summary>The QA reviewer's accuracy when resolving a disagreement.</summary>
    public double ReviewerAccuracy { get; init; } = 0.98;

    public int Seed { get; init; } = 7;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Unique per run, so that runs against the same deployment never share requesters or workers.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>24 workers: 6 experts, 10 good, 5 fair, 3 near random (a third is random for three classes).</summary>
    public static IReadOnlyList<double> DefaultCrowd() =>
        [.. Enumerable.Repeat(0.95, 6), .. Enumerable.Repeat(0.85, 10), .. Enumerable.Repeat(0.7, 5), 0.4, 0.38, 0.35];
}
