using Crowd.Consensus.Engine.Geometry;
using Crowd.Contracts.Tasks;
using Crowd.Labels.Stitching;

namespace Crowd.Labels.Tests.Stitching;

public sealed class MaskUnionTests
{
    private static readonly string[] Classes = ["lesion", "oedema"];

    // A 4 × 2 item cut into two 3 × 2 tiles overlapping by two columns: A at x 0, B at x 1.
    private static readonly TileRegion A = new(0, 0, 3, 2);
    private static readonly TileRegion B = new(1, 0, 3, 2);

    [Test]
    public void Stitch_OverlappingTiles_UnionInItemPixels()
    {
        // A's pixel 2 (row 0, column 2) is item pixel 2. B's pixel 0 (row 0, column 0) is item column 1 → item pixel 1;
        // B's pixel 3 (row 1, column 0) is item row 1, column 1 → item pixel 5. Union {1, 2, 5}.
        var masks = MaskUnion.Stitch(new ItemShape(4, 2, null), Classes,
            [new TaskMask(new MaskKey("lesion", null), new RleMask(3, 2, [2, 1]), A), new TaskMask(new MaskKey("lesion", null), new RleMask(3, 2, [0, 1, 3, 1]), B)]);

        Assert.That(masks, Has.Count.EqualTo(1));
        Assert.That((masks[0].Label, masks[0].Slice, masks[0].Width, masks[0].Height), Is.EqualTo(("lesion", (int?)null, 4, 2)));
        Assert.That(masks[0].Rle, Is.EqualTo(new[] { 1, 2, 5, 1 }));
    }

    [Test]
    public void Stitch_BothTilesMarkTheSamePixel_CountsItOnce() =>
        // A's pixel 2 and B's pixel 1 are both item pixel 2.
        Assert.That(MaskUnion.Stitch(new ItemShape(4, 2, null), Classes,
            [new TaskMask(new MaskKey("lesion", null), new RleMask(3, 2, [2, 1]), A), new TaskMask(new MaskKey("lesion", null), new RleMask(3, 2, [1, 1]), B)])
            .Single().Rle, Is.EqualTo(new[] { 2, 1 }));

    [Test]
    public void Stitch_SlicesAndClasses_StayApart_InSchemaThenSliceOrder_EmptyOnesLeftOut()
    {
        var masks = MaskUnion.Stitch(new ItemShape(2, 2, 10), Classes,
        [
            new TaskMask(new MaskKey("oedema", 3), new RleMask(2, 2, [0, 1]), null),
            new TaskMask(new MaskKey("lesion", 4), new RleMask(2, 2, [3, 1]), null),
            new TaskMask(new MaskKey("lesion", 3), new RleMask(2, 2, [1, 1]), null),
            new TaskMask(new MaskKey("lesion", 5), new RleMask(2, 2, []), null),
        ]);

        Assert.That(masks.Select(m => (m.Label, m.Slice, m.Rle[0])), Is.EqualTo(new[] { ("lesion", (int?)3, 1), ("lesion", 4, 3), ("oedema", 3, 0) }));
    }

    [Test]
    public void Stitch_ItemOfUnknownSize_TakesTheMasksSize()
    {
        var mask = MaskUnion.Stitch(new ItemShape(null, null, null), Classes, [new TaskMask(new MaskKey("lesion", null), new RleMask(5, 3, [4, 2]), null)]).Single();

        Assert.That((mask.Width, mask.Height), Is.EqualTo((5, 3)));
        Assert.That(mask.Rle, Is.EqualTo(new[] { 4, 2 }));
    }
}
