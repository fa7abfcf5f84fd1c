using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Consensus.Engine.Tests.Geometry;

public class FusionTests
{
    [Test]
    public void Fuse_ThreeAnnotatorsOneNodule_OneGroupWithSupportThree()
    {
        IReadOnlyList<Box>[] boxes =
        [
            [new Box("nodule", 10, 10, 20, 20)],
            [new Box("nodule", 11, 9, 20, 21)],
            [new Box("nodule", 9, 11, 19, 20), new Box("nodule", 200, 200, 10, 10)],
        ];

        var fused = BoxFusion.Fuse(boxes, 0.5);

        Assert.That(fused, Has.Count.EqualTo(2));
        var main = fused.Single(f => f.Support == 3);
        Assert.That(main.Box.X, Is.EqualTo(10));
        Assert.That(main.Box.Y, Is.EqualTo(10));
        Assert.That(main.Annotators, Is.EquivalentTo(new[] { 0, 1, 2 }));
        Assert.That(main.MeanIoU, Is.GreaterThan(0.8));
        Assert.That(fused.Single(f => f.Support == 1).Box.X, Is.EqualTo(200));
    }

    [Test]
    public void Fuse_DifferentClassesOrOneAnnotatorsTwoBoxes_NeverMatched()
    {
        IReadOnlyList<Box>[] boxes =
        [
            [new Box("nodule", 0, 0, 10, 10), new Box("nodule", 1, 1, 10, 10)],
            [new Box("mass", 0, 0, 10, 10)],
        ];

        var fused = BoxFusion.Fuse(boxes);

        Assert.That(fused, Has.Count.EqualTo(3));
        Assert.That(fused.All(f => f.Support == 1), Is.True);
    }

    [Test]
    public void Fuse_AnnotatorOrderPermuted_SameGroups()
    {
        IReadOnlyList<Box>[] boxes =
        [
            [new Box("a", 0, 0, 10, 10), new Box("a", 50, 50, 10, 10)],
            [new Box("a", 1, 0, 10, 10)],
            [new Box("a", 51, 49, 10, 10), new Box("a", 0, 1, 10, 10)],
        ];

        var forward = BoxFusion.Fuse(boxes).Select(f => f.Support).Order().ToArray();
        var backward = BoxFusion.Fuse(boxes.Reverse().ToArray()).Select(f => f.Support).Order().ToArray();

        Assert.That(backward, Is.EqualTo(forward));
        Assert.That(forward, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void MajorityVote_ThreeMasks_PixelNeedsTwoVotes()
    {
        var a = new RleMask(10, 1, [0, 6]);
        var b = new RleMask(10, 1, [2, 6]);
        var c = new RleMask(10, 1, [4, 6]);

        var fused = MaskFusion.MajorityVote([a, b, c]);

        Assert.That(fused.Runs.ToArray(), Is.EqualTo(new[] { 2, 6 }));
    }

    [Test]
    public void Staple_IdenticalMasks_ReturnsThemWithPerfectRaters()
    {
        var a = new RleMask(8, 8, [5, 10, 30, 4]);

        var result = MaskFusion.Staple([a, a, a]);

        Assert.That(result.Mask.Runs.ToArray(), Is.EqualTo(a.Runs.ToArray()));
        Assert.That(result.Sensitivity, Is.All.GreaterThan(0.99));
        Assert.That(result.Specificity, Is.All.GreaterThan(0.99));
    }

    [Test]
    public void Staple_NoisyRater_GetsLowerSensitivityAndTruthRecovered()
    {
        var rng = new Random(12);
        const int w = 40, h = 40;
        var truth = new bool[w * h];
        for (var y = 10; y < 30; y++)
        {
            for (var x = 12; x < 28; x++)
            {
                truth[(y * w) + x] = true;
            }
        }

        RleMask Rater(double sensitivity, double specificity)
        {
            var p = truth.Select(t => t ? rng.NextDouble() < sensitivity : rng.NextDouble() > specificity).ToArray();
            return RleMask.FromPixels(w, h, p);
        }

        var masks = new[] { Rater(0.95, 0.98), Rater(0.93, 0.99), Rater(0.9, 0.97), Rater(0.5, 0.9) };

        var result = MaskFusion.Staple(masks);

        Assert.That(result.Sensitivity[3], Is.LessThan(result.Sensitivity.Take(3).Min()));
        Assert.That(result.Sensitivity[3], Is.EqualTo(0.5).Within(0.1));
        var fused = result.Mask.ToPixels();
        var errors = fused.Zip(truth).Count(p => p.First != p.Second);
        Assert.That(errors / (double)truth.Length, Is.LessThan(0.02));
    }

    [Test]
    public void MeanPairwiseDice_IdenticalMasks_IsOne() =>
        Assert.That(Overlap.MeanPairwiseDice([new RleMask(3, 3, [1, 2]), new RleMask(3, 3, [1, 2])]), Is.EqualTo(1.0));
}
