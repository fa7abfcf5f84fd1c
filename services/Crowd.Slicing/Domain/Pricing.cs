namespace Crowd.Slicing.Domain;

/// <summary>What a batch may cost at most: every task annotated <c>redundancy.max</c> times, plus the platform fee.</summary>
public static class Pricing
{
    /// <summary>The fee on one annotation, rounded down: payouts charges exactly price + this per judged annotation.</summary>
    public static long FeeCentsPerAnnotation(long pricePerAnnotationCents, int feeBasisPoints) =>
        pricePerAnnotationCents * feeBasisPoints / 10_000;

    /// <summary>What the requester has spent once <paramref name="annotationCount"/> annotations have been judged and paid.</summary>
    public static long SpentCents(int annotationCount, long pricePerAnnotationCents, int feeBasisPoints) =>
        annotationCount * (pricePerAnnotationCents + FeeCentsPerAnnotation(pricePerAnnotationCents, feeBasisPoints));

    /// <summary>
    /// taskCount × redundancy.max × price × (1 + fee), rounded up to a cent. Payouts charges each annotation its
    /// price plus <see cref="FeeCentsPerAnnotation"/>, so the escrow held here always covers the most that can be paid from it.
    /// </summary>
    /// <exception cref="OverflowException">The figure does not fit in a long; see <see cref="TryMaxCostCents"/>.</exception>
    public static long MaxCostCents(long taskCount, int redundancyMax, long pricePerAnnotationCents, int feeBasisPoints)
    {
        var scaled = checked(taskCount * redundancyMax * pricePerAnnotationCents * (10_000 + feeBasisPoints));
        return (scaled + 9_999) / 10_000;
    }

    /// <summary><see cref="MaxCostCents"/>, or null when it (or an intermediate product) does not fit in a long: a price to refuse, not a crash.</summary>
    public static long? TryMaxCostCents(long taskCount, int redundancyMax, long pricePerAnnotationCents, int feeBasisPoints)
    {
        try
        {
            var cost = MaxCostCents(taskCount, redundancyMax, pricePerAnnotationCents, feeBasisPoints);
            // The rounding's + 9,999 must not wrap either.
            return cost >= 0 ? cost : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
