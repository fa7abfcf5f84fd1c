namespace Crowd.Consensus.Engine.Aggregation;

/// <summary>The label aggregation methods, by their CLI names.</summary>
public enum AggregationMethod
{
    /// <summary><c>mv</c>: majority vote.</summary>
    MajorityVote,

    /// <summary><c>wmv</c>: majority vote weighted by each worker's agreement with the plain majority.</summary>
    WeightedMajorityVote,

    /// <summary><c>one-coin-ds</c>: one-coin Dawid-Skene.</summary>
    OneCoinDawidSkene,

    /// <summary><c>ds</c>: full Dawid-Skene.</summary>
    DawidSkene,

    /// <summary><c>glad</c>: GLAD.</summary>
    Glad,
}

/// <summary>Runs any <see cref="AggregationMethod"/> by name or value.</summary>
public static class Aggregator
{
    /// <summary>All methods with their CLI names.</summary>
    public static IReadOnlyList<(string Name, AggregationMethod Method)> Methods { get; } =
    [
        ("mv", AggregationMethod.MajorityVote),
        ("wmv", AggregationMethod.WeightedMajorityVote),
        ("one-coin-ds", AggregationMethod.OneCoinDawidSkene),
        ("ds", AggregationMethod.DawidSkene),
        ("glad", AggregationMethod.Glad),
    ];

    /// <summary>Parses a CLI method name (case-insensitive).</summary>
    public static bool TryParse(string name, out AggregationMethod method)
    {
        foreach (var (n, m) in Methods)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                method = m;
                return true;
            }
        }

        method = default;
        return false;
    }

    /// <summary>Aggregates with the given method; <paramref name="options"/> applies to the EM methods (gold clamps them).</summary>
    public static AggregationResult Run(AggregationMethod method, CrowdLabels data, EmOptions? options = null) => method switch
    {
        AggregationMethod.MajorityVote => MajorityVote.Run(data),
        AggregationMethod.WeightedMajorityVote => MajorityVote.RunAgreementWeighted(data),
        AggregationMethod.OneCoinDawidSkene => OneCoinDawidSkene.Run(data, options).Result,
        AggregationMethod.DawidSkene => DawidSkene.Run(data, options).Result,
        AggregationMethod.Glad => Glad.Run(data, options).Result,
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };
}
