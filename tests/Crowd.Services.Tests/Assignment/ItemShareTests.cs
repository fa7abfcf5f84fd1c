using Crowd.Assignment.Domain;

namespace Crowd.Services.Tests.Assignment;

public sealed class ItemShareTests
{
    private static readonly Guid Item = Guid.NewGuid();

    // Halves, 0.3 of 10, and shares whose binary product lands just above a whole number (0.28 × 25 = 7.000000000000001
    // and 0.07 × 100 = 7.000000000000001 in double): exactly the share, never one task more.
    [TestCase(0.5, 4, 2)]
    [TestCase(0.5, 5, 3)]
    [TestCase(0.3, 10, 3)]
    [TestCase(0.28, 25, 7)]
    [TestCase(0.07, 100, 7)]
    [TestCase(0.01, 3, 1)]
    [TestCase(0.25, 100_000, 25_000)]
    public void Limit_ShareOfTaskCount_IsItsCeiling(double share, int taskCount, int limit) =>
        Assert.That(ItemShare.Limit(share, Item, taskCount), Is.EqualTo(limit));

    [Test]
    public void Limit_TinyShare_StillAllowsOneTask() =>
        Assert.That(ItemShare.Limit(1e-30, Item, 100_000), Is.EqualTo(1));

    [TestCase(1.0, 10)]
    [TestCase(0.95, 10)]
    [TestCase(0.5, 1)]
    public void Limit_ReachingTheTaskCount_IsNoLimit(double share, int taskCount) =>
        Assert.That(ItemShare.Limit(share, Item, taskCount), Is.Null);

    [Test]
    public void Limit_WithoutShareItemOrTaskCount_IsNoLimit()
    {
        Assert.That(ItemShare.Limit(null, Item, 10), Is.Null, "a batch without privacy");
        Assert.That(ItemShare.Limit(0.5, null, 10), Is.Null, "a task without its item");
        Assert.That(ItemShare.Limit(0.5, Item, null), Is.Null, "a task without its item's task count");
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Limit_ShareOutsideZeroToOne_Throws(double share) =>
        Assert.That(() => ItemShare.Limit(share, Item, 10), Throws.TypeOf<ArgumentOutOfRangeException>());

    [TestCase(0)]
    [TestCase(-3)]
    public void Limit_NoTasks_Throws(int taskCount) =>
        Assert.That(() => ItemShare.Limit(0.5, Item, taskCount), Throws.TypeOf<ArgumentOutOfRangeException>());

    [Test]
    public void Limit_EveryShareInHundredthsAndCount_IsTheSmallestWholeNumberAtLeastTheShare()
    {
        // The bound a requester relies on, with the ceiling's other side: one task fewer would be below the share.
        for (var hundredths = 1; hundredths < 100; hundredths++)
        {
            var share = hundredths / 100m;
            for (var taskCount = 1; taskCount <= 300; taskCount++)
            {
                var limit = ItemShare.Limit((double)share, Item, taskCount) ?? taskCount;
                Assert.That(limit, Is.GreaterThanOrEqualTo(share * taskCount).And.LessThan(share * taskCount + 1), $"{share} × {taskCount}");
            }
        }
    }
}
