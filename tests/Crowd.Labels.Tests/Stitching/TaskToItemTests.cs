using Crowd.Consensus.Engine.Geometry;
using Crowd.Contracts.Tasks;
using Crowd.Labels.Stitching;

namespace Crowd.Labels.Tests.Stitching;

public sealed class TaskToItemTests
{
    [Test]
    public void Box_OnATile_GetsTheTilesOffset() =>
        // Tile at (100, 50): tile-local (2, 3) is item (102, 53); size and slice stay.
        Assert.That(TaskToItem.Box(new Box("nodule", 2, 3, 4, 5, 7), new TileRegion(100, 50, 64, 64)), Is.EqualTo(new ItemBox("nodule", 7, 102, 53, 4, 5, 1)));

    [Test]
    public void Box_WithoutTile_StaysWhereItIs() =>
        Assert.That(TaskToItem.Box(new Box("nodule", 2, 3, 4, 5, 42), null), Is.EqualTo(new ItemBox("nodule", 42, 2, 3, 4, 5, 1)));

    [Test]
    public void Place_TileMask_LandsAtTheOffsetRowByRow()
    {
        // A 3 × 2 tile mask, pixels {1, 2, 3} = (row 0, columns 1-2) and (row 1, column 0): one run that wraps a row end.
        // At offset (2, 1) in a 6 × 4 item: row 1 columns 3-4 → item pixels 9, 10; row 2 column 2 → item pixel 14.
        var placed = TaskToItem.Place(new RleMask(3, 2, [1, 3]), 2, 1, 6, 4);

        Assert.That(placed.Runs.ToArray(), Is.EqualTo(new[] { 9, 2, 14, 1 }));
        Assert.That((placed.Width, placed.Height), Is.EqualTo((6, 4)));
    }

    [Test]
    public void Place_TileReachingPastTheItem_IsClipped()
    {
        // The full 3 × 2 tile mask at (4, 3) in a 6 × 4 item: row 3 keeps columns 4-5 (item pixels 22, 23); column 6 and
        // the tile's second row (item row 4) fall outside.
        var placed = TaskToItem.Place(new RleMask(3, 2, [0, 6]), 4, 3, 6, 4);

        Assert.That(placed.Runs.ToArray(), Is.EqualTo(new[] { 22, 2 }));
    }

    [Test]
    public void Place_TileSpanningTheItemsWidth_JoinsRowsIntoOneRun()
    {
        // A full 4 × 2 tile at (0, 1) in a 4 × 3 item covers item pixels 4-11: one run.
        Assert.That(TaskToItem.Place(new RleMask(4, 2, [0, 8]), 0, 1, 4, 3).Runs.ToArray(), Is.EqualTo(new[] { 4, 8 }));
    }
}
