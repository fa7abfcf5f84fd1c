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

    [Test]
    public void Lesson_SpatialKindsTeachNoReliability() =>
        Assert.That(new BboxKind().Lesson(Policy("bbox", 1, 3, 0.5), Boxes($"[{A}]"), Boxes($"[{A}]")), Is.Null);

    private static KindDecision DecideBbox(string[] boxes, int min, int max, double threshold) =>
        new BboxKind().Decide(
            Policy("bbox", min, max, threshold),
            boxes.Select((b, i) => new KindAnnotation($"w{i}", Boxes(b))).ToList(),
            _ => OneCoinReliability.NewWorker);

    private static TaskPolicy Policy(string kind, int min, int max, double threshold) => new()
    {
        SchemaKind = kind, Classes = ["nodule", "mass"], RedundancyMin = min, RedundancyMax = max, AcceptanceThreshold = threshold, IsGold = false,
    };

    private static JsonElement Boxes(string boxes) => JsonDocument.Parse($$"""{ "boxes": {{boxes}} }""").RootElement;
}
