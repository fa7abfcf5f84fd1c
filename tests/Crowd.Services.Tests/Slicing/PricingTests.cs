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
}
