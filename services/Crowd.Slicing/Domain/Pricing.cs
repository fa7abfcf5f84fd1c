namespace Crowd.Slicing.Domain;

/// <summary>
/// What a batch may cost at most: every task annotated <c>redundancy.max</c> + <see cref="RevisitAnnotations"/> times, each
/// annotation paid its reward and bonus, plus the platform fee on both.
/// </summary>
public static class Pricing
{
    /// <summary>API.md: the extra annotations a revisited task may need, held in escrow beyond <c>redundancy.max</c>.</summary>
    public const int RevisitAnnotations = Crowd.Contracts.Tasks.RevisionBudget.ExtraAnnotations;

    /// <summary>The fee on <paramref name="cents"/> paid to a worker (a reward or a bonus), rounded down: payouts charges exactly this on top.</summary>
    public static long FeeCents(long cents, int feeBasisPoints) => cents * feeBasisPoints / 10_000;

    /// <summary>The fee on one annotation's reward, rounded down: payouts charges exactly price + this per judged annotation.</summary>
    public static long FeeCentsPerAnnotation(long pricePerAnnotationCents, int feeBasisPoints) => FeeCents(pricePerAnnotationCents, feeBasisPoints);

    /// <summary>What the requester has spent once <paramref name="annotationCount"/> annotations have been judged and paid (rewards and their fee).</summary>
    public static long SpentCents(int annotationCount, long pricePerAnnotationCents, int feeBasisPoints) =>
        annotationCount * (pricePerAnnotationCents + FeeCentsPerAnnotation(pricePerAnnotationCents, feeBasisPoints));

    /// <summary>What the bonuses of <paramref name="agreeingCount"/> annotations that agree with their final labels cost, with their fee.</summary>
    public static long BonusSpentCents(int agreeingCount, long bonusCents, int feeBasisPoints) =>
        agreeingCount * (bonusCents + FeeCents(bonusCents, feeBasisPoints));

    /// <summary>
    /// taskCount × (redundancy.max + 2) × (price + bonus) × (1 + fee), rounded up to a cent. Payouts charges each annotation
    /// its price plus <see cref="FeeCentsPerAnnotation"/>, and an agreeing one its bonus plus <see cref="FeeCents"/> of it; each
    /// fee is rounded down, so the escrow held here always covers the most that can be paid from it.
    /// </summary>
    /// <exception cref="OverflowException">The figure does not fit in a long; see <see cref="TryMaxCostCents"/>.</exception>
    public static long MaxCostCents(long taskCount, int redundancyMax, long pricePerAnnotationCents, long bonusCents, int feeBasisPoints)
    {
        var scaled = checked(taskCount * (redundancyMax + RevisitAnnotations) * (pricePerAnnotationCents + bonusCents) * (10_000 + feeBasisPoints));
        return (scaled + 9_999) / 10_000;
    }

    /// <summary><see cref="MaxCostCents"/>, or null when it (or an intermediate product) does not fit in a long: a price to refuse, not a crash.</summary>
    public static long? TryMaxCostCents(long taskCount, int redundancyMax, long pricePerAnnotationCents, long bonusCents, int feeBasisPoints)
    {
        try
        {
            var cost = MaxCostCents(taskCount, redundancyMax, pricePerAnnotationCents, bonusCents, feeBasisPoints);
            // The rounding's + 9,999 must not wrap either.
            return cost >= 0 ? cost : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
