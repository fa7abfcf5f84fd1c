using System.Text.Json;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;

namespace Crowd.Services.Tests.Consensus;

/// <summary>The bbox and segmentation decisions against small examples worked by hand (the arithmetic is in the comments).</summary>
public sealed class SpatialKindDecisionTests
{
    // A = (0, 0, 10, 10); C = (2, 0, 10, 10): overlap 8 × 10 = 80, union 100 + 100 − 80 = 120, IoU 2/3 ≥ 0.5, matched.
    // B = (5, 0, 10, 10): overlap with A 5 × 10 = 50, union 150, IoU 1/3 < 0.5, not matched.
    private const string A = """{ "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 10 }""";
    private const string B = """{ "label": "nodule", "x": 5, "y": 0, "w": 10, "h": 10 }""";
    private const string C = """{ "label": "nodule", "x": 2, "y": 0, "w": 10, "h": 10 }""";

    [Test]
    public void Bbox_TwoOfThreeDrawTheSameBox_FusedBoxIsFinal_ShareTwoThirds_AgreementIsTheMeanIoU()
    {
        // A and C fuse (IoU 2/3) into their median, the mean of two: x 1, y 0, right edge (10 + 12) / 2 = 11, so (1, 0, 10, 10),
        // support 2 > 3 / 2. Each member overlaps it 9 × 10 = 90 of a union 110: IoU 9/11. The empty answer does not match
        // the one final box: share 2/3.
        var decision = DecideBbox([$"[{A}]", $"[{C}]", "[]"], min: 3, max: 3, threshold: 0.6);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        var box = decision.Candidate.GetProperty("boxes").EnumerateArray().Single();
        Assert.That(new[] { "x", "y", "w", "h" }.Select(f => box.GetProperty(f).GetDouble()), Is.EqualTo(new[] { 1.0, 0, 10, 10 }));
        Assert.That(box.GetProperty("label").GetString(), Is.EqualTo("nodule"));
        Assert.That(box.GetProperty("support").GetInt32(), Is.EqualTo(2));
        Assert.That(decision.Confidence, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(9.0 / 11).Within(1e-12));
    }

    [TestCase(3, DecisionOutcome.More)]
    [TestCase(2, DecisionOutcome.Escalate)]
    public void Bbox_BoxesBelowHalfIoU_AreNotMatched_NothingHasAMajority_NobodyAgrees(int max, DecisionOutcome outcome)
    {
        // A and B (IoU 1/3) stay apart, support 1 each, not more than half of 2: the final label has no boxes, and neither
        // annotation matches it.
        var decision = DecideBbox([$"[{A}]", $"[{B}]"], min: 2, max: max, threshold: 0.5);

        Assert.That(decision.Outcome, Is.EqualTo(outcome));
        Assert.That(decision.Candidate.GetProperty("boxes").GetArrayLength(), Is.Zero);
        Assert.That(decision.Confidence, Is.Zero);
        Assert.That(decision.Agreement, Is.Zero);
    }

    [Test]
    public void Bbox_EveryoneFoundNothing_IsAcceptedWithFullAgreement()
    {
        var decision = DecideBbox(["[]", "[]"], min: 2, max: 3, threshold: 1);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(decision.Candidate.GetProperty("boxes").GetArrayLength(), Is.Zero);
        Assert.That((decision.Confidence, decision.Agreement), Is.EqualTo((1.0, 1.0)));
    }

    [TestCase("""{ "label": "mass", "x": 0, "y": 0, "w": 10, "h": 10 }""")] // same place, other class
    [TestCase("""{ "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 10, "slice": 3 }""")] // same place, other slice
    public void Bbox_OtherClassOrSlice_NeverMatches(string other)
    {
        var kind = new BboxKind();
        var policy = Policy("bbox", 1, 3, 0.5);

        Assert.That(kind.Agrees(policy, Boxes($"[{other}]"), Boxes("""[{ "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 10, "slice": 2 }]""")), Is.False);
        Assert.That(kind.Agrees(policy, Boxes($"[{A}, {C}]"), Boxes($"[{C}]")), Is.False, "one to one: an extra box disagrees");
        Assert.That(kind.Agrees(policy, Boxes($"[{C}, {A}]"), Boxes($"[{A}, {C}]")), Is.True, "the order the boxes were drawn in does not matter");
    }

    // Segmentation, 4 × 4 image, pixels 0..15 row-major, classes [nodule, mass]:
    //   w0 nodule = top-left 2 × 2 square {0, 1, 4, 5}: rle [0, 2, 4, 2]
    //   w1 nodule = the same and pixel 2, {0, 1, 2, 4, 5}: rle [0, 3, 4, 2]
    //   w2 nodule = {5, 6}: rle [5, 2]; nobody marks mass.
    // Votes: pixels 0, 1, 4 have 2 of 3, pixel 5 has 3, pixels 2 and 6 have 1: the consensus is {0, 1, 4, 5} = w0's mask.
    // Dice with it: w0 2·4/(4+4) = 1; w1 2·4/(5+4) = 8/9 ≈ 0.889; w2 2·1/(2+4) = 1/3. Mass: all empty, Dice 1.
    // With diceThreshold 0.85, w0 and w1 agree: share 2/3. Mean pairwise Dice over nodule (mass is unmarked):
    //   w0–w1 8/9, w0–w2 2·1/(4+2) = 1/3, w1–w2 2·1/(5+2) = 2/7; mean (8/9 + 1/3 + 2/7) / 3 = (56 + 21 + 18) / 189 = 95/189.
    private static readonly string[] Drawn =
    [
        """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 2, 4, 2] }]""",
        """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 3, 4, 2] }]""",
        """[{ "label": "nodule", "width": 4, "height": 4, "rle": [5, 2] }, { "label": "mass", "width": 4, "height": 4, "rle": [] }]""",
    ];

    [Test]
    public void Segmentation_PerPixelMajority_DiceAgainstTheThreshold_AgreementIsMeanPairwiseDice()
    {
        var decision = DecideSegmentation(Drawn, diceThreshold: 0.85, min: 3, max: 3, threshold: 0.6);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        var mask = decision.Candidate.GetProperty("masks").EnumerateArray().Single();
        Assert.That(mask.GetProperty("label").GetString(), Is.EqualTo("nodule"));
        Assert.That(mask.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()), Is.EqualTo(new[] { 0, 2, 4, 2 }));
        Assert.That((mask.GetProperty("width").GetInt32(), mask.GetProperty("height").GetInt32()), Is.EqualTo((4, 4)));
        Assert.That(decision.Confidence, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(95.0 / 189).Within(1e-12));
    }

    [TestCase(null, 3, DecisionOutcome.Escalate)] // the default 0.8: 8/9 still agrees, but 2/3 < 0.7
    [TestCase(0.9, 3, DecisionOutcome.Escalate)] // 8/9 < 0.9: only w0 agrees
    [TestCase(0.9, 4, DecisionOutcome.More)]
    public void Segmentation_ShareUnderTheThreshold_AsksForMoreUntilMax_ThenEscalates(double? diceThreshold, int max, DecisionOutcome outcome) =>
        Assert.That(DecideSegmentation(Drawn, diceThreshold, min: 3, max: max, threshold: 0.7).Outcome, Is.EqualTo(outcome));

    [Test]
    public void Segmentation_NobodyMarksAnything_IsAcceptedWithNoMasks_AndFullAgreement()
    {
        var decision = DecideSegmentation(["[]", """[{ "label": "mass", "width": 4, "height": 4, "rle": [] }]"""], diceThreshold: null, min: 2, max: 2, threshold: 1);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(decision.Candidate.GetProperty("masks").GetArrayLength(), Is.Zero);
        Assert.That((decision.Confidence, decision.Agreement), Is.EqualTo((1.0, 1.0)));
    }

    [Test]
    public void Segmentation_AMaskOfAnotherSize_NeverAgrees() =>
        Assert.That(new SegmentationKind().Agrees(Policy("segmentation", 1, 3, 0.5),
            Masks("""[{ "label": "nodule", "width": 8, "height": 2, "rle": [0, 2, 4, 2] }]"""), Masks(Drawn[0])), Is.False);

    [Test]
    public void Segmentation_OneClassOnTwoSlices_IsVotedPerSlice()
    {
        // 4 × 4 images. Slice 7: {0, 1} twice and nothing once: majority {0, 1}. Slice 8: {5} once only: no majority, empty.
        // w0 and w1 agree on slice 7 (Dice 1) and their empty slice 8 with the empty consensus (Dice 1); w2 left slice 7
        // empty (Dice 0 with {0, 1}) and drew {5} where the consensus is empty (Dice 0): 2 of 3 agree.
        var decision = DecideSegmentation(
            [
                """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 2], "slice": 7 }]""",
                """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 2], "slice": 7 }]""",
                """[{ "label": "nodule", "width": 4, "height": 4, "rle": [5, 1], "slice": 8 }]""",
            ],
            diceThreshold: null, min: 3, max: 3, threshold: 0.6);

        Assert.That(decision.Candidate.GetRawText(), Is.EqualTo("""{"masks":[{"label":"nodule","width":4,"height":4,"rle":[0,2],"slice":7}]}"""));
        Assert.That(decision.Confidence, Is.EqualTo(2.0 / 3).Within(1e-12));
    }

    [Test]
    public void Lessons_Bbox_RightWhenTheBoxesMatchTheFinalOnesAtTheIouThreshold()
    {
        // A against A: IoU 1. B against A: 50 / 150 = 1/3, under 0.5. C against A: 80 / 120 = 2/3.
        var policy = Policy("bbox", 1, 3, 0.5);

        Assert.That(new BboxKind().Lessons(policy, Boxes($"[{A}]"), Boxes($"[{A}]")), Is.EqualTo(new[] { new ReliabilityLesson(0, 0, 2) }));
        Assert.That(new BboxKind().Lessons(policy, Boxes($"[{B}]"), Boxes($"[{A}]")), Is.EqualTo(new[] { new ReliabilityLesson(1, 0, 2) }));
        Assert.That(new BboxKind().Lessons(policy, Boxes($"[{C}]"), Boxes($"[{A}]")), Is.EqualTo(new[] { new ReliabilityLesson(0, 0, 2) }));
    }

    [Test]
    public void Lessons_Segmentation_RightWhenTheMaskReachesTheDiceThreshold()
    {
        // Pixels {0, 1} against {0, 1, 2}: Dice 2 × 2 / (2 + 3) = 0.8; against {0, 1}: 1.
        var policy = Policy("segmentation", 1, 3, 0.5) with { DiceThreshold = 0.9 };
        const string two = """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 2] }]""";
        const string three = """[{ "label": "nodule", "width": 4, "height": 4, "rle": [0, 3] }]""";

        Assert.That(new SegmentationKind().Lessons(policy, Masks(two), Masks(three)), Is.EqualTo(new[] { new ReliabilityLesson(1, 0, 2) }));
        Assert.That(new SegmentationKind().Lessons(policy, Masks(two), Masks(two)), Is.EqualTo(new[] { new ReliabilityLesson(0, 0, 2) }));
    }

    private static KindDecision DecideBbox(string[] boxes, int min, int max, double threshold) =>
        new BboxKind().Decide(
            Policy("bbox", min, max, threshold),
            boxes.Select((b, i) => new KindAnnotation($"w{i}", Boxes(b))).ToList(),
            _ => OneCoinReliability.NewWorker);

    private static KindDecision DecideSegmentation(string[] masks, double? diceThreshold, int min, int max, double threshold) =>
        new SegmentationKind().Decide(
            Policy("segmentation", min, max, threshold) with { DiceThreshold = diceThreshold },
            masks.Select((m, i) => new KindAnnotation($"w{i}", Masks(m))).ToList(),
            _ => OneCoinReliability.NewWorker);

    private static TaskPolicy Policy(string kind, int min, int max, double threshold) => new()
    {
        SchemaKind = kind, Classes = ["nodule", "mass"], RedundancyMin = min, RedundancyMax = max, AcceptanceThreshold = threshold, IsGold = false,
    };

    private static JsonElement Masks(string masks) => JsonDocument.Parse($$"""{ "masks": {{masks}} }""").RootElement;

    private static JsonElement Boxes(string boxes) => JsonDocument.Parse($$"""{ "boxes": {{boxes}} }""").RootElement;
}
