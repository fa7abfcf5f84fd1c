using Crowd.Labels.Stitching;
using CsCheck;

namespace Crowd.Labels.Tests.Stitching;

public sealed class BoxMergeTests
{
    private static ItemBox B(double x, double y, double w, double h, int? slice = 5, string label = "nodule") => new(label, slice, x, y, w, h, 1);

    [Test]
    public void Merge_HalfOfTheSmallerCovered_BecomesTheUnion() =>
        // (0,0,10,10) and (5,0,10,10): they share 5 × 10 = 50 of 100 → 0.5 → one box, x 0..15, support 2.
        Assert.That(BoxMerge.Merge([B(0, 0, 10, 10), B(5, 0, 10, 10)]), Is.EqualTo(new[] { new ItemBox("nodule", 5, 0, 0, 15, 10, 2) }));

    [Test]
    public void Merge_LessThanHalfCovered_StaysTwo() =>
        // (0,0,10,10) and (6,0,10,10): 4 × 10 = 40 of 100 → 0.4.
        Assert.That(BoxMerge.Merge([B(6, 0, 10, 10), B(0, 0, 10, 10)]), Is.EqualTo(new[] { B(0, 0, 10, 10), B(6, 0, 10, 10) }));

    [Test]
    public void Merge_SmallBoxCutByATileEdge_JoinsTheBigOne() =>
        // (0,0,100,100) and (95,0,10,10): 5 × 10 = 50 of the small box's 100 → 0.5, though the IoU is only 50/10050.
        Assert.That(BoxMerge.Merge([B(0, 0, 100, 100), B(95, 0, 10, 10)]), Is.EqualTo(new[] { new ItemBox("nodule", 5, 0, 0, 105, 100, 2) }));

    [Test]
    public void Merge_OtherClassOrOtherSlice_NeverMerges() =>
        Assert.That(
            BoxMerge.Merge([B(0, 0, 10, 10), B(0, 0, 10, 10, slice: 6), B(0, 0, 10, 10, label: "mass")]),
            Is.EqualTo(new[] { B(0, 0, 10, 10, label: "mass"), B(0, 0, 10, 10), B(0, 0, 10, 10, slice: 6) }));

    [Test]
    public void Merge_BoxesWithoutSlices_MergeLikeOneSlice() =>
        Assert.That(BoxMerge.Merge([B(0, 0, 10, 10, null), B(5, 0, 10, 10, null)]), Is.EqualTo(new[] { new ItemBox("nodule", null, 0, 0, 15, 10, 2) }));

    [Test]
    public void Merge_GrownBoxReachesAnEarlierOne_MergesTransitively()
    {
        // In the order they are taken (x, then y): A (0,0,2,2), B (1,0,10,1), C (1,0.5,10,1.5).
        // A∩B = 1 × 1 = 1 of A's 4 → 0.25; A∩C = 1 × 1.5 = 1.5 of 4 → 0.375: A merges with neither.
        // B∩C = 10 × 0.5 = 5 of B's 10 → 0.5: B ∪ C = (1,0,10,2), area 20.
        // Then A∩(B∪C) = 1 × 2 = 2 of A's 4 → 0.5: all three are (0,0,11,2), support 3.
        var merged = BoxMerge.Merge([B(1, 0.5, 10, 1.5), B(0, 0, 2, 2), B(1, 0, 10, 1)]);

        Assert.That(merged, Is.EqualTo(new[] { new ItemBox("nodule", 5, 0, 0, 11, 2, 3) }));
    }

    [Test]
    public void Merge_RandomBoxes_LeavesNoTwoThatShouldMerge_KeepsSupport_AndCoversEveryBox() =>
        Assert.That(() => Boxes.Sample(boxes =>
        {
            var merged = BoxMerge.Merge(boxes);
            var stable = merged.SelectMany((a, i) => merged.Skip(i + 1).Where(b => a.Label == b.Label), (a, b) => BoxMerge.ShareOfSmaller(a, b))
                .All(share => share < BoxMerge.MinShareOfSmaller);
            var covered = boxes.All(box => merged.Any(m => m.Label == box.Label && m.Slice == box.Slice
                && m.X <= box.X && m.Y <= box.Y && m.X + m.W >= box.X + box.W && m.Y + m.H >= box.Y + box.H));
            return stable && covered && merged.Sum(m => m.Support) == boxes.Length;
        }, iter: 1000), Throws.Nothing);

    [Test]
    public void Merge_RandomBoxes_DoesNotDependOnTheirOrder() =>
        Assert.That(() => Boxes.Sample(boxes => BoxMerge.Merge(boxes).SequenceEqual(BoxMerge.Merge(boxes.Reverse())), iter: 1000), Throws.Nothing);

    /// <summary>Up to 12 whole-pixel boxes of two classes on two slices, small enough to overlap often.</summary>
    private static readonly Gen<ItemBox[]> Boxes =
        Gen.Select(Gen.Int[0, 20], Gen.Int[0, 20], Gen.Int[1, 12], Gen.Int[1, 12], Gen.Int[0, 1], Gen.Bool)
            .Select((x, y, w, h, slice, mass) => new ItemBox(mass ? "mass" : "nodule", slice, x, y, w, h, 1))
            .Array[0, 12];
}
