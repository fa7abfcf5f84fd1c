using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Consensus.Engine.Online;

/// <summary>A decided item that the batch, seen whole, no longer supports: its label, and the batch's label with its posterior.</summary>
public sealed record DisputedItem(int Item, int Decided, int BatchLabel, double BatchConfidence);

/// <summary>
/// Revisiting early decisions (issue 9). An item decided online saw only its own annotations and what was known of
/// their annotators at that moment: two careless workers who happen to share an item with one careful worker outvote
/// it, and the label is accepted at once. Once the batch holds more answers, Dawid-Skene over all of them weighs each
/// worker by how they agree with everyone on everything; started from the accuracies the platform has learned
/// (<see cref="EmOptions.InitialAccuracy"/>) rather than from vote shares, it begins where the platform's knowledge
/// is and not where the careless majority of one item put it. A decided label the batch's disagrees with is disputed:
/// that item asks for more annotations (up to its budget) or goes to QA.
/// </summary>
public static class Revisit
{
    /// <summary>
    /// The items whose decided label (<paramref name="decided"/>, -1 for an item not decided) differs from Dawid-Skene's
    /// over the whole batch (<paramref name="batch"/>), started from <paramref name="learnedAccuracy"/> (one per worker),
    /// where the batch is at least <paramref name="confidence"/> sure of its own label. The online rule accepted the
    /// decided label at some threshold; the batch overrules it only as surely. On a small or sparse batch Dawid-Skene can
    /// find a worker who only ever gave one class uninformative, and its label for that worker's items then falls back
    /// to the class prior, at a confidence near the prior's: not a reason to reopen anything.
    /// </summary>
    public static IReadOnlyList<DisputedItem> Dispute(
        CrowdLabels batch, IReadOnlyList<int> decided, IReadOnlyList<double> learnedAccuracy, double confidence = 0, EmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(decided);
        if (decided.Count != batch.ItemCount)
        {
            throw new ArgumentException($"{decided.Count} decided labels for {batch.ItemCount} items", nameof(decided));
        }

        var fit = DawidSkene.Run(batch, (options ?? Seeded) with { InitialAccuracy = learnedAccuracy }).Result;
        var disputed = new List<DisputedItem>();
        for (var i = 0; i < batch.ItemCount; i++)
        {
            if (decided[i] >= 0 && fit.Label(i) != decided[i] && fit.Confidence(i) >= confidence)
            {
                disputed.Add(new DisputedItem(i, decided[i], fit.Label(i), fit.Confidence(i)));
            }
        }

        return disputed;
    }

    /// <summary>
    /// A Dirichlet pseudo-count of 0.01 per cell (data/README.md's reference setting): a batch gives each worker only a few
    /// dozen answers, and without it one unlucky answer would make a confusion cell exactly zero.
    /// </summary>
    private static EmOptions Seeded { get; } = new() { Smoothing = 0.01 };
}
