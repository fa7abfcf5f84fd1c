using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class TaskLimitsTests
{
    private static readonly TaskLimits Limits = new(PerItem: 100_000, PerBatch: 1_000_000);

    [Test]
    public void Check_FiveMillionSlicesWindowOne_NamesTheItemsSliceCount()
    {
        var check = Limits.Check(new SliceWindowSlicing(1, 1), [(false, 0, 5_000_000, null, null)]);

        Assert.That(check.ItemsOverLimit, Has.Count.EqualTo(1));
        Assert.That(check.ItemsOverLimit[0], Is.EqualTo(new ItemOverLimit(false, 0, 5_000_000, ["sliceCount"])).Using<ItemOverLimit>(SameBreach));
        Assert.That(check.TaskCount, Is.EqualTo(5_000_000));
        Assert.That(check.BatchOverLimit, Is.True);
    }

    [Test]
    public void Check_IntMaxValueSlicesWindowOne_IsCountedNotCut()
    {
        var check = Limits.Check(new SliceWindowSlicing(1, 1), [(false, 0, int.MaxValue, null, null)]);
        Assert.That(check.ItemsOverLimit.Single().TaskCount, Is.EqualTo(int.MaxValue));
    }

    [Test]
    public void Check_ItemsEachWithinButTogetherOver_IsABatchBreachOnly()
    {
        // 11 items × 100,000 one-slice windows = 1,100,000 tasks: no item is too big, the batch is.
        var items = Enumerable.Range(0, 11).Select(i => (false, i, (int?)100_000, (int?)null, (int?)null));
        var check = Limits.Check(new SliceWindowSlicing(1, 1), items);

        Assert.That(check.ItemsOverLimit, Is.Empty);
        Assert.That(check.TaskCount, Is.EqualTo(1_100_000));
        Assert.That(check.BatchOverLimit, Is.True);
    }

    [Test]
    public void Check_ExactlyAtBothLimits_IsAccepted()
    {
        var items = Enumerable.Range(0, 10).Select(i => (false, i, (int?)100_000, (int?)null, (int?)null));
        var check = Limits.Check(new SliceWindowSlicing(1, 1), items);

        Assert.That(check.ItemsOverLimit, Is.Empty);
        Assert.That(check.BatchOverLimit, Is.False);
    }

    [TestCase(int.MaxValue, 1, "width")]
    [TestCase(1, int.MaxValue, "height")]
    public void Check_OneTileSideTooLong_NamesThatSide(int width, int height, string field)
    {
        var check = Limits.Check(new TileSlicing(1, 0), [(true, 4, null, width, height)]);
        Assert.That(check.ItemsOverLimit.Single(), Is.EqualTo(new ItemOverLimit(true, 4, (long)width * height, [field])).Using<ItemOverLimit>(SameBreach));
    }

    [Test]
    public void Check_BothSidesLongEnoughOnlyTogether_NamesBoth()
    {
        // 1,000 × 1,000 tiles: a million from one image, though neither side alone passes 100,000.
        var check = Limits.Check(new TileSlicing(16, 0), [(false, 0, null, 16_000, 16_000)]);
        Assert.That(check.ItemsOverLimit.Single().Fields, Is.EqualTo(new[] { "width", "height" }));
    }

    [Test]
    public void Check_LargestImagesEverywhere_TotalSaturatesInsteadOfWrapping()
    {
        // 50,000 items of (2^31 - 1)^2 tiles each: their sum is beyond a long; it must not wrap to a small number.
        var items = Enumerable.Range(0, 50_000).Select(i => (false, i, (int?)null, (int?)int.MaxValue, (int?)int.MaxValue));
        var check = Limits.Check(new TileSlicing(1, 0), items);

        Assert.That(check.TaskCount, Is.EqualTo(long.MaxValue));
        Assert.That(check.BatchOverLimit, Is.True);
        Assert.That(check.ItemsOverLimit, Has.Count.EqualTo(50_000));
    }

    private static bool SameBreach(ItemOverLimit a, ItemOverLimit b) =>
        a.IsGold == b.IsGold && a.Index == b.Index && a.TaskCount == b.TaskCount && a.Fields.SequenceEqual(b.Fields);
}
