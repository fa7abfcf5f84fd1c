using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Consensus.Engine.Tests.Geometry;

public class OverlapTests
{
    [Test]
    public void RleMask_OverlappingAndUnsortedRuns_AreMerged()
    {
        var mask = new RleMask(10, 10, [20, 5, 0, 3, 2, 4, 95, 10]);

        Assert.That(mask.Runs.ToArray(), Is.EqualTo(new[] { 0, 6, 20, 5, 95, 5 }));
        Assert.That(mask.Area, Is.EqualTo(16));
    }

    [Test]
    public void Dice_HalfOverlap_MatchesHandComputation()
    {
        // A = pixels 0..9, B = pixels 5..14: 5 shared, Dice = 2*5/(10+10) = 0.5, IoU = 5/15.
        var a = new RleMask(10, 10, [0, 10]);
        var b = new RleMask(10, 10, [5, 10]);

        Assert.That(Overlap.Dice(a, b), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(Overlap.IoU(a, b), Is.EqualTo(1.0 / 3).Within(1e-12));
    }

    [Test]
    public void Dice_RunsMatchDensePixels()
    {
        var rng = new Random(3);
        for (var trial = 0; trial < 50; trial++)
        {
            var a = Random(rng);
            var b = Random(rng);
            var pa = a.ToPixels();
            var pb = b.ToPixels();
            var shared = pa.Zip(pb).Count(p => p.First && p.Second);
            var total = pa.Count(x => x) + pb.Count(x => x);
            var dice = total == 0 ? 1.0 : 2.0 * shared / total;

            Assert.That(Overlap.Dice(a, b), Is.EqualTo(dice).Within(1e-12));
            Assert.That(Overlap.Dice(b, a), Is.EqualTo(dice).Within(1e-12));
            Assert.That(Overlap.IoU(a, b), Is.InRange(0.0, 1.0));
            // Dice = 2 IoU / (1 + IoU) for any pair.
            var iou = Overlap.IoU(a, b);
            Assert.That(Overlap.Dice(a, b), Is.EqualTo(2 * iou / (1 + iou)).Within(1e-12));
        }
    }

    [Test]
    public void Dice_TwoEmptyMasks_IsOneByConvention()
    {
        var empty = new RleMask(4, 4, []);

        Assert.That(Overlap.Dice(empty, empty), Is.EqualTo(1.0));
        Assert.That(Overlap.IoU(empty, empty), Is.EqualTo(1.0));
        Assert.That(Overlap.Dice(empty, new RleMask(4, 4, [0, 1])), Is.EqualTo(0.0));
    }

    [Test]
    public void Dice_IdenticalMasks_IsOne()
    {
        var a = new RleMask(8, 8, [3, 4, 20, 7]);

        Assert.That(Overlap.Dice(a, a), Is.EqualTo(1.0));
    }

    [Test]
    public void Dice_DifferentSizes_Throws() =>
        Assert.That(() => Overlap.Dice(new RleMask(2, 2, []), new RleMask(3, 2, [])), Throws.ArgumentException);

    [Test]
    public void IoU_Boxes_MatchesHandComputation()
    {
        // (0,0,2,2) and (1,1,2,2): intersection 1, union 7.
        var a = new Box("nodule", 0, 0, 2, 2);
        var b = new Box("nodule", 1, 1, 2, 2);

        Assert.That(Overlap.IoU(a, b), Is.EqualTo(1.0 / 7).Within(1e-12));
        Assert.That(Overlap.Dice(a, b), Is.EqualTo(2.0 / 8).Within(1e-12));
        Assert.That(Overlap.IoU(a, a with { X = 5 }), Is.EqualTo(0));
        Assert.That(Overlap.IoU(a, a with { Slice = 3 }), Is.EqualTo(0));
    }

    private static RleMask Random(Random rng)
    {
        var pixels = new bool[12 * 9];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = rng.NextDouble() < 0.3;
        }

        return RleMask.FromPixels(12, 9, pixels);
    }
}
