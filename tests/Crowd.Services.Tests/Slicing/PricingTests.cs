using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class PricingTests
{
    [Test]
    public void MaxCostCents_ApiExample_IsTasksTimesMaxTimesPricePlusFee()
    {
        // API.md: taskCount × redundancy.max × price × (1 + fee rate), rounded up. 100 × 7 × 40 × 1.10 = 30,800.
        Assert.That(Pricing.MaxCostCents(100, 7, 40, 1000), Is.EqualTo(30_800));
    }

    [Test]
    public void MaxCostCents_FractionalCent_RoundsUp()
    {
        // 1 × 1 × 45 × 1.10 = 49.5 → 50.
        Assert.That(Pricing.MaxCostCents(1, 1, 45, 1000), Is.EqualTo(50));
    }

    [TestCase(45, 1000)]
    [TestCase(1, 1000)]
    [TestCase(37, 1250)]
    [TestCase(999, 333)]
    public void MaxCostCents_EveryAnnotationPaid_NeverExceedsTheEscrow(long price, int feeBasisPoints)
    {
        // Payouts charges price + fee-per-annotation for each of at most taskCount × max annotations.
        for (var tasks = 1; tasks <= 50; tasks++)
        {
            var mostThatCanBePaid = tasks * 7 * (price + Pricing.FeeCentsPerAnnotation(price, feeBasisPoints));
            Assert.That(Pricing.MaxCostCents(tasks, 7, price, feeBasisPoints), Is.GreaterThanOrEqualTo(mostThatCanBePaid));
        }
    }

    [Test]
    public void SpentCents_IsAnnotationsTimesPricePlusFee()
    {
        Assert.That(Pricing.SpentCents(819, 40, 1000), Is.EqualTo(819 * 44));
    }

    [Test]
    public void TryMaxCostCents_ProductBeyondALong_IsNullNotAnException()
    {
        // 10^12 tasks × 15 × 10^6 cents overflows a long long before the fee is applied.
        Assert.That(Pricing.TryMaxCostCents(1_000_000_000_000, 15, 1_000_000, 1000), Is.Null);
        Assert.That(() => Pricing.MaxCostCents(1_000_000_000_000, 15, 1_000_000, 1000), Throws.TypeOf<OverflowException>());
    }

    [Test]
    public void TryMaxCostCents_RoundingWouldWrap_IsNull()
    {
        // taskCount × 10,000 fits a long but lies within 9,999 of long.MaxValue: rounding up would wrap.
        const long fits = (long.MaxValue - 9_999) / 10_000;
        Assert.That(Pricing.TryMaxCostCents(fits, 1, 1, 0), Is.EqualTo(fits));
        Assert.That(Pricing.TryMaxCostCents(long.MaxValue / 10_000, 1, 1, 0), Is.Null);
        Assert.That(Pricing.TryMaxCostCents(long.MaxValue / 10_000 + 1, 1, 1, 0), Is.Null);
    }

    [Test]
    public void TryMaxCostCents_LargestBatchAtTheHighestPrice_Fits()
    {
        // The default limits (10^6 tasks) with redundancy.max 15 and the highest price: 1.65 × 10^17 scaled, well within a long.
        Assert.That(Pricing.TryMaxCostCents(1_000_000, 15, 1_000_000, 1000), Is.EqualTo(16_500_000_000_000));
    }
}
