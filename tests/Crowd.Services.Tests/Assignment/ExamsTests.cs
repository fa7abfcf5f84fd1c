using System.Text.Json;
using Crowd.Assignment.Domain;
using Crowd.Labels;

namespace Crowd.Services.Tests.Assignment;

public sealed class ExamsTests
{
    private static readonly DateTimeOffset Finished = new(2026, 3, 1, 10, 30, 0, TimeSpan.Zero);

    [TestCase("""{ "label": "nodule" }""", true)]
    [TestCase("""{ "label": "no-nodule" }""", false)]
    public void Grade_Classification_IsTheExactClass(string answer, bool correct) =>
        Assert.That(Exams.Grade(new LabelSchema("classification", ["nodule", "no-nodule"]), Json(answer), Json("""{ "label": "nodule" }""")), Is.EqualTo(correct));

    [TestCase("""{ "labels": ["effusion", "nodule"] }""", true)]
    [TestCase("""{ "labels": ["nodule"] }""", false)]
    [TestCase("""{ "labels": ["nodule", "effusion", "fracture"] }""", false)]
    public void Grade_Multilabel_IsSetEquality(string answer, bool correct) =>
        Assert.That(
            Exams.Grade(new LabelSchema("multilabel", ["effusion", "nodule", "fracture"]), Json(answer), Json("""{ "labels": ["nodule", "effusion"] }""")),
            Is.EqualTo(correct));

    // Truth 12.0 mm, tolerance 0.5: 12.4 and 11.5 are within, 12.6 is not; 1.1 against 1.0 at 0.1 is within despite binary rounding.
    [TestCase(12.4, 12.0, 0.5, true)]
    [TestCase(11.5, 12.0, 0.5, true)]
    [TestCase(12.6, 12.0, 0.5, false)]
    [TestCase(1.1, 1.0, 0.1, true)]
    public void Grade_Measurement_IsWithinTheSchemasTolerance(double answer, double truth, double tolerance, bool correct) =>
        Assert.That(
            Exams.Grade(new LabelSchema("measurement", [], "mm", Tolerance: tolerance), Value(answer), Value(truth)),
            Is.EqualTo(correct));

    [Test]
    public void Grade_MeasurementWithoutTolerance_NeedsTheExactValue() =>
        Assert.That(Exams.Grade(new LabelSchema("measurement", [], "mm"), Value(12.1), Value(12.0)), Is.False);

    // Truth box 10×10 at the origin. 10×20 at the origin: intersection 100, union 200, IoU 0.5 (matches). Shifted by 5:
    // intersection 50, union 150, IoU 1/3 (does not).
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 20 } ] }""", true)]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 5, "y": 0, "w": 10, "h": 10 } ] }""", false)]
    [TestCase("""{ "boxes": [ { "label": "mass", "x": 0, "y": 0, "w": 10, "h": 10 } ] }""", false)]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 10 }, { "label": "nodule", "x": 50, "y": 50, "w": 10, "h": 10 } ] }""", false)]
    [TestCase("""{ "boxes": [] }""", false)]
    public void Grade_Bbox_MatchesBoxesOneToOneAtHalfIoU(string answer, bool correct) =>
        Assert.That(
            Exams.Grade(new LabelSchema("bbox", ["nodule", "mass"]), Json(answer), Json("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 10, "h": 10 } ] }""")),
            Is.EqualTo(correct));

    // Truth: 4 pixels of a 4×1 image. 3 of them: Dice 2·3/(4+3) = 0.857 (≥ 0.8). 2 of them: Dice 2·2/(4+2) = 0.667.
    [TestCase("[0, 3]", null, true)]
    [TestCase("[0, 2]", null, false)]
    [TestCase("[0, 3]", 0.9, false)]
    public void Grade_Segmentation_NeedsTheDiceThresholdPerClass(string rle, double? diceThreshold, bool correct) =>
        Assert.That(
            Exams.Grade(new LabelSchema("segmentation", ["lesion"], DiceThreshold: diceThreshold), Mask(rle), Mask("[0, 4]")),
            Is.EqualTo(correct));

    [Test]
    public void Grade_SegmentationMissingAClassTheTruthHas_IsWrong() =>
        Assert.That(Exams.Grade(new LabelSchema("segmentation", ["lesion"]), Json("""{ "masks": [] }"""), Mask("[0, 4]")), Is.False);

    [TestCase(9, 10, 0.9)]
    [TestCase(7, 10, 0.7)]
    [TestCase(19, 20, 0.95)]
    [TestCase(2, 3, 0.6666666666666667)]
    [TestCase(10, 10, 1.0)]
    public void Finish_AccuracyExactlyPassAccuracy_Passes(int correct, int questions, double passAccuracy)
    {
        var result = Exams.Finish(correct, questions, passAccuracy, 24, Finished);
        Assert.That(result, Is.EqualTo(new ExamResult(Exams.Passed, (double)correct / questions, Finished, null)));
    }

    [Test]
    public void Finish_BelowPassAccuracy_FailsWithRetakeAfterTheHours()
    {
        var result = Exams.Finish(8, 10, 0.9, 24, Finished);
        Assert.That(result, Is.EqualTo(new ExamResult(Exams.Failed, 0.8, Finished, new DateTimeOffset(2026, 3, 2, 10, 30, 0, TimeSpan.Zero))));
    }

    [Test]
    public void Finish_NoRetakeWait_MayRetakeAtOnce() =>
        Assert.That(Exams.Finish(0, 5, 0.5, 0, Finished).RetakeAt, Is.EqualTo(Finished));

    [Test]
    public void RefuseStart_NeverTaken_Allows() =>
        Assert.That(Exams.RefuseStart("ct-reader", false, null, Finished), Is.Null);

    [Test]
    public void RefuseStart_HoldsTheQualification_Refuses() =>
        Assert.That(Exams.RefuseStart("ct-reader", true, null, Finished), Does.Contain("already holds"));

    [Test]
    public void RefuseStart_AttemptInProgress_Refuses() =>
        Assert.That(Exams.RefuseStart("ct-reader", false, Attempt(Exams.InProgress, null), Finished), Does.Contain("in progress"));

    [Test]
    public void RefuseStart_FailedBeforeRetakeAt_RefusesNamingTheTime()
    {
        var retakeAt = Finished.AddHours(24);
        Assert.That(Exams.RefuseStart("ct-reader", false, Attempt(Exams.Failed, retakeAt), retakeAt.AddTicks(-1)), Does.Contain("2026-03-02T10:30:00"));
    }

    [Test]
    public void RefuseStart_FailedAtRetakeAt_Allows()
    {
        var retakeAt = Finished.AddHours(24);
        Assert.That(Exams.RefuseStart("ct-reader", false, Attempt(Exams.Failed, retakeAt), retakeAt), Is.Null);
    }

    [Test]
    public void RefuseStart_PassedButTheQualificationWasTakenAway_Allows() =>
        Assert.That(Exams.RefuseStart("ct-reader", false, Attempt(Exams.Passed, null), Finished), Is.Null);

    [Test]
    public void PickQuestions_AnySeed_ExactlyQuestionCountDistinctItems()
    {
        for (var seed = 0; seed < 500; seed++)
        {
            var itemCount = 1 + (seed % 40);
            var questionCount = 1 + (seed * 7 % itemCount);
            var picked = Exams.PickQuestions(itemCount, questionCount, new Random(seed));
            Assert.That(picked, Has.Count.EqualTo(questionCount).And.Unique.And.All.InRange(0, itemCount - 1), $"seed {seed}");
        }
    }

    [Test]
    public void PickQuestions_AsManyQuestionsAsItems_AsksEveryItem() =>
        Assert.That(Exams.PickQuestions(10, 10, new Random(3)), Is.EquivalentTo(Enumerable.Range(0, 10)));

    [Test]
    public void PickQuestions_ManyAttempts_AsksEveryItemSometimes()
    {
        var random = new Random(11);
        var asked = Enumerable.Range(0, 200).SelectMany(_ => Exams.PickQuestions(20, 3, random)).ToHashSet();
        Assert.That(asked, Is.EquivalentTo(Enumerable.Range(0, 20)));
    }

    [Test]
    public void PickQuestions_FewerItemsThanQuestions_Throws() =>
        Assert.That(() => Exams.PickQuestions(3, 4, new Random(1)), Throws.InstanceOf<ArgumentOutOfRangeException>());

    private static ExamAttempt Attempt(string status, DateTimeOffset? retakeAt) =>
        new(Guid.NewGuid(), status, Finished.AddHours(-1), status == Exams.InProgress ? null : Finished, status == Exams.InProgress ? null : 0.5, retakeAt);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static JsonElement Value(double value) => JsonSerializer.SerializeToElement(new { value });

    private static JsonElement Mask(string rle) => Json($$"""{ "masks": [ { "label": "lesion", "width": 4, "height": 1, "rle": {{rle}} } ] }""");
}
