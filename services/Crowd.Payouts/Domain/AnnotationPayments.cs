using Crowd.Contracts.Annotations;

namespace Crowd.Payouts.Domain;

/// <summary>A batch's terms for paying a judged annotation, fixed when it was submitted.</summary>
/// <param name="FeeCentsPerAnnotation">The platform fee on top of each reward.</param>
/// <param name="BonusCents">Paid on top of the reward to an annotation that agrees with its task's final label; 0 is no bonus.</param>
/// <param name="FeeCentsPerBonus">The platform fee on top of each bonus paid.</param>
public sealed record PayTerms(long FeeCentsPerAnnotation, long BonusCents, long FeeCentsPerBonus);

public static class AnnotationPayments
{
    /// <summary>
    /// The movements that pay a finalized task's judged annotations from the batch's escrow: each annotation its reward
    /// (key <c>reward:{annotationId}</c>), and each one that agrees with the final label the batch's bonus (key
    /// <c>bonus:{annotationId}</c>), each with its platform fee. The keys name the annotation, so a redelivered or repeated
    /// judgement (a later revision of the label included) pays neither twice, and takes back nothing already paid.
    /// </summary>
    public static IReadOnlyList<Movement> For(AnnotationsJudged judged, Account escrow, PayTerms terms)
    {
        ArgumentNullException.ThrowIfNull(judged);
        ArgumentNullException.ThrowIfNull(terms);
        var movements = new List<Movement>();
        foreach (var annotation in judged.Annotations)
        {
            movements.Add(Pay(
                "reward", annotation, escrow, annotation.RewardCents, terms.FeeCentsPerAnnotation,
                $"reward for annotation {annotation.AnnotationId} on task {judged.TaskId}", judged.BatchId));
            if (annotation.AgreesWithFinal && terms.BonusCents > 0)
            {
                movements.Add(Pay(
                    "bonus", annotation, escrow, terms.BonusCents, terms.FeeCentsPerBonus,
                    $"bonus for annotation {annotation.AnnotationId}, which agrees with task {judged.TaskId}'s final label", judged.BatchId));
            }
        }

        return movements;
    }

    private static Movement Pay(string kind, JudgedAnnotation annotation, Account escrow, long cents, long fee, string description, Guid batchId)
    {
        var entries = new List<Entry>
        {
            new(escrow, -(cents + fee)),
            new(Account.WorkerPayable(annotation.WorkerId), cents),
        };
        if (fee > 0)
        {
            entries.Add(new Entry(Account.PlatformFees, fee));
        }

        return new Movement($"{kind}:{annotation.AnnotationId}", kind, entries, batchId, annotation.AnnotationId, description);
    }
}
