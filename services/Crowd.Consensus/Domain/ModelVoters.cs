using Crowd.Contracts.Tasks;

namespace Crowd.Consensus.Domain;

/// <summary>
/// A model whose pre-annotations a requester sent (API.md item <c>prediction</c>) is one more voter on a classification
/// task, with a one-coin reliability learned like a worker's (from the final labels of the tasks it predicted), kept under
/// its own voter id beside the workers'. It is never paid, never counts toward <c>redundancy.min</c>, and is never suspended.
/// </summary>
public static class ModelVoters
{
    private const string Prefix = ModelPrediction.VoterPrefix;

    /// <summary>The model's voter id; no token's subject can be one (<see cref="ModelPrediction.VoterPrefix"/>).</summary>
    public static string Id(ModelPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return Prefix + prediction.Model;
    }

    public static bool IsModel(string voterId) => voterId.StartsWith(Prefix, StringComparison.Ordinal);
}
