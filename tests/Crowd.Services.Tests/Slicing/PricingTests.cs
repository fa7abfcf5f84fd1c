using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class PricingTests
{
    [Test]
    public void MaxCostCents_ApiExample_IsTasksTimesMaxPlusTwoTimesPriceAndBonusPlusFee()
    {
        // API.md: taskCount × (redundancy.max + 2) × (price + bonus.cents) × (1 + fee rate), rounded up.
        // The example batch (price 40, bonus 5, max 7) over 100 tasks at 10 %: 100 × 9 × 45 × 1.10 = 44,550.
        Assert.That(Pricing.MaxCostCents(100, 7, 40, 5, 1000), Is.EqualTo(44_550));
    }

    [Test]
    public void MaxCostCents_NoBonus_IsTasksTimesMaxPlusTwoTimesPricePlusFee()
    {
        // 100 × 9 × 40 × 1.10 = 39,600.
        Assert.That(Pricing.MaxCostCents(100, 7, 40, 0, 1000), Is.EqualTo(39_600));
    }

    [Test]
    public void MaxCostCents_FractionalCent_RoundsUp()
    {
        // 1 × (1 + 2) × 45 × 1.10 = 148.5 → 149.
        Assert.That(Pricing.MaxCostCents(1, 1, 45, 0, 1000), Is.EqualTo(149));
    }

    [TestCase(45, 0, 1000)]
    [TestCase(1, 0, 1000)]
    [TestCase(37, 0, 1250)]
    [TestCase(999, 0, 333)]
    [TestCase(45, 5, 1000)]
    [TestCase(1, 1, 1000)]
    [TestCase(37, 19, 1250)]
    [TestCase(999, 1_000_000, 333)]
    public void MaxCostCents_EveryAnnotationPaidWithItsBonus_NeverExceedsTheEscrow(long price, long bonus, int feeBasisPoints)
    {
        // Payouts charges each of at most taskCount × (max + 2) annotations price + its fee, and bonus + its fee when it
        // agrees: each fee rounded down on its own.
        for (var tasks = 1; tasks <= 50; tasks++)
        {
            var perAnnotation = price + Pricing.FeeCents(price, feeBasisPoints) + bonus + Pricing.FeeCents(bonus, feeBasisPoints);
            var mostThatCanBePaid = tasks * (7 + Pricing.RevisitAnnotations) * perAnnotation;
            Assert.That(Pricing.MaxCostCents(tasks, 7, price, bonus, feeBasisPoints), Is.GreaterThanOrEqualTo(mostThatCanBePaid));
        }
    }

    [Test]
    public void FeeCents_RoundsDown() =>
        Assert.That(new[] { Pricing.FeeCents(5, 1000), Pricing.FeeCents(40, 1000), Pricing.FeeCents(0, 1000) }, Is.EqualTo(new long[] { 0, 4, 0 }));

    [Test]
    public void SpentCents_IsAnnotationsTimesPricePlusFee()
    {
        Assert.That(Pricing.SpentCents(819, 40, 1000), Is.EqualTo(819 * 44));
    }

    [Test]
    public void BonusSpentCents_IsAgreeingAnnotationsTimesBonusPlusItsFee()
    {
        Assert.That(Pricing.BonusSpentCents(7, 10, 1000), Is.EqualTo(7 * 11));
        Assert.That(Pricing.BonusSpentCents(7, 0, 1000), Is.Zero);
    }

    [Test]
    public void TryMaxCostCents_ProductBeyondALong_IsNullNotAnException()
    {
        // 10^12 tasks × 17 × 10^6 cents overflows a long long before the fee is applied.
        Assert.That(Pricing.TryMaxCostCents(1_000_000_000_000, 15, 1_000_000, 0, 1000), Is.Null);
        Assert.That(() => Pricing.MaxCostCents(1_000_000_000_000, 15, 1_000_000, 0, 1000), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void TryMaxCostCents_BonusTipsItBeyondALong_IsNull()
    {
        // 3 × 10^7 tasks × 17 × 10^6 cents × 11,000 = 5.6 × 10^18 fits; the bonus doubling what an annotation costs does not.
        Assert.That(Pricing.TryMaxCostCents(30_000_000, 15, 1_000_000, 0, 1000), Is.Not.Null);
        Assert.That(Pricing.TryMaxCostCents(30_000_000, 15, 1_000_000, 1_000_000, 1000), Is.Null);
    }

    [Test]
    public void TryMaxCostCents_RoundingWouldWrap_IsNull()
    {
        // taskCount × 3 × 10,004 fits a long but lies within 9,999 of long.MaxValue: rounding up would wrap.
        const long scale = 3 * 10_004;
        const long fits = (long.MaxValue - 9_999) / scale;
        Assert.That(Pricing.TryMaxCostCents(fits, 1, 1, 0, 4), Is.EqualTo((fits * scale + 9_999) / 10_000));
        Assert.That(Pricing.TryMaxCostCents(long.MaxValue / scale, 1, 1, 0, 4), Is.Null);
        Assert.That(Pricing.TryMaxCostCents(long.MaxValue / scale + 1, 1, 1, 0, 4), Is.Null);
    }

    [Test]
    public void TryMaxCostCents_LargestBatchAtTheHighestPriceAndBonus_Fits()
    {
        // The default limits (10^6 tasks) with redundancy.max 15, the highest price and bonus: 10^6 × 17 × 2 × 10^6 × 11,000
        // = 3.74 × 10^17 scaled, well within a long.
        Assert.That(Pricing.TryMaxCostCents(1_000_000, 15, 1_000_000, 1_000_000, 1000), Is.EqualTo(37_400_000_000_000));
    }
}
