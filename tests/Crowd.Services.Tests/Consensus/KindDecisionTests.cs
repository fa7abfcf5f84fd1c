using System.Text.Json;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;

namespace Crowd.Services.Tests.Consensus;

/// <summary>Each kind's decision rule against small examples worked by hand (the arithmetic is in the comments).</summary>
public sealed class KindDecisionTests
{
    private static readonly Dictionary<string, WorkerReliability> Reliability = new()
    {
        ["w90"] = new OneCoinReliability(9, 1), // accuracy 0.9
        ["w80"] = new OneCoinReliability(4, 1), // accuracy 0.8 (the new-worker prior)
        ["w60"] = new OneCoinReliability(3, 2), // accuracy 0.6
    };

    // Multilabel, classes [a, b, c]: w90 {a}, w80 {a, b}, w60 {b}. Each class is present/absent, one-coin, uniform prior:
    //   a: present 0.9 · 0.8 · 0.4 = 0.288, absent 0.1 · 0.2 · 0.6 = 0.012  → present, 0.288 / 0.300 = 0.96
    //   b: present 0.1 · 0.8 · 0.6 = 0.048, absent 0.9 · 0.2 · 0.4 = 0.072  → absent,  0.072 / 0.120 = 0.6
    //   c: absent  0.9 · 0.8 · 0.6 = 0.432, present 0.1 · 0.2 · 0.4 = 0.008 → absent,  0.432 / 0.440 ≈ 0.9818
    // Final {a}; confidence = the smallest, 0.6; agreement: only w90's set equals {a}, 1/3.
    private static readonly (string, string)[] Mixed = [("w90", """["a"]"""), ("w80", """["a", "b"]"""), ("w60", """["b"]""")];

    [Test]
    public void Multilabel_PerClassPosteriors_FinalIsPresentClasses_ConfidenceIsTheSmallest()
    {
        var decision = DecideMultilabel(Mixed, min: 3, max: 5, threshold: 0.59);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(Labels(decision.Candidate), Is.EqualTo(new[] { "a" }));
        Assert.That(decision.Confidence, Is.EqualTo(0.6).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(1.0 / 3).Within(1e-12));
    }

    [TestCase(5, DecisionOutcome.More)]
    [TestCase(3, DecisionOutcome.Escalate)]
    public void Multilabel_OneClassUnderThreshold_AsksForMoreUntilMax_ThenEscalates(int max, DecisionOutcome outcome) =>
        Assert.That(DecideMultilabel(Mixed, min: 3, max: max, threshold: 0.61).Outcome, Is.EqualTo(outcome));

    [Test]
    public void Multilabel_TwoNewWorkersAgree_AcceptsInSchemaOrder_AtSixteenSeventeenths()
    {
        // Every class: 0.8² = 0.64 against 0.2² = 0.04, so 0.64 / 0.68 = 16/17 ≈ 0.941 ≥ 0.9; the order given does not matter.
        var decision = DecideMultilabel([("w80", """["c", "a"]"""), ("x80", """["a", "c"]""")], min: 2, max: 3, threshold: 0.9);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(Labels(decision.Candidate), Is.EqualTo(new[] { "a", "c" }));
        Assert.That(decision.Confidence, Is.EqualTo(16.0 / 17).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(1.0));
    }

    [Test]
    public void Multilabel_BelowMin_AsksForMoreEvenWhenSure() =>
        Assert.That(DecideMultilabel([("w90", "[]"), ("w80", "[]")], min: 3, max: 5, threshold: 0.5).Outcome, Is.EqualTo(DecisionOutcome.More));

    // Measurement, tolerance 0.5: 10.0, 10.4, 11.0 → median 10.4; |10.0 − 10.4| = 0.4 agrees, |11.0 − 10.4| = 0.6 does not: 2/3.
    [TestCase(2.0 / 3, 3, DecisionOutcome.Accept)] // the share meets the threshold exactly
    [TestCase(0.7, 5, DecisionOutcome.More)]
    [TestCase(0.7, 3, DecisionOutcome.Escalate)]
    public void Measurement_ShareWithinToleranceOfTheMedian_DecidesAtTheThreshold(double threshold, int max, DecisionOutcome outcome)
    {
        var decision = DecideMeasurement([10.0, 10.4, 11.0], tolerance: 0.5, min: 3, max: max, threshold: threshold);

        Assert.That(decision.Outcome, Is.EqualTo(outcome));
        Assert.That(decision.Candidate.GetProperty("value").GetDouble(), Is.EqualTo(10.4));
        Assert.That(decision.Confidence, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(2.0 / 3).Within(1e-12));
    }

    [Test]
    public void Measurement_EvenCount_MedianIsTheMeanOfTheMiddleTwo()
    {
        // 1, 2, 3, 10 → median 2.5; within 1 of it: 2 and 3 (1 and 10 are 1.5 and 7.5 away): 1/2.
        var decision = DecideMeasurement([10, 1, 3, 2], tolerance: 1, min: 4, max: 4, threshold: 0.5);

        Assert.That(decision.Candidate.GetProperty("value").GetDouble(), Is.EqualTo(2.5));
        Assert.That(decision.Confidence, Is.EqualTo(0.5));
        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
    }

    [Test]
    public void Measurement_ExactlyAtTheTolerance_Agrees_DespiteBinaryRounding()
    {
        // 1.0, 1.1, 1.2 → median 1.1; both others are exactly 0.1 away (1.1 − 1.0 is 0.10000000000000009 in binary).
        var decision = DecideMeasurement([1.0, 1.1, 1.2], tolerance: 0.1, min: 3, max: 3, threshold: 1);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(decision.Confidence, Is.EqualTo(1.0));
    }

    [Test]
    public void Measurement_NoTolerance_OnlyValuesEqualToTheMedianAgree() =>
        Assert.That(DecideMeasurement([5, 6, 5], tolerance: null, min: 3, max: 3, threshold: 0.5).Confidence, Is.EqualTo(2.0 / 3).Within(1e-12));

    [Test]
    public void Measurement_BelowMin_AsksForMoreEvenWhenAllAgree() =>
        Assert.That(DecideMeasurement([7, 7], tolerance: 1, min: 3, max: 5, threshold: 0.9).Outcome, Is.EqualTo(DecisionOutcome.More));

    [Test]
    public void Measurement_Agreement_WithAQaValue_IsTheShareWithinTolerance()
    {
        var policy = Policy("measurement", [], 1, 3, 0.9, tolerance: 0.5);
        var payloads = new[] { 10.0, 10.4, 11.0 }.Select(Value).ToList();

        Assert.That(new MeasurementKind().Agreement(policy, payloads, Value(10.8)), Is.EqualTo(2.0 / 3).Within(1e-12));
    }

    [Test]
    public void Lessons_Classification_TheClassGivenAgainstTheFinalClass()
    {
        var lessons = new ClassificationKind().Lessons(
            Policy("classification", ["a", "b", "c"], 1, 3, 0.9), JsonSerializer.SerializeToElement(new { label = "a" }), JsonSerializer.SerializeToElement(new { label = "b" }));

        Assert.That(lessons, Is.EqualTo(new[] { new ReliabilityLesson(0, 1, 3) }));
    }

    [Test]
    public void Lessons_Multilabel_EachClassPresenceAThirdOfOneAnswer()
    {
        // {a} against {a, b}: a present and right, b missed, c rightly absent (present = 1, absent = 0).
        var lessons = new MultilabelKind().Lessons(Policy("multilabel", ["a", "b", "c"], 1, 3, 0.9), Json("""{ "labels": ["a"] }"""), Json("""{ "labels": ["a", "b"] }"""));

        Assert.That(lessons, Is.EqualTo(new[] { new ReliabilityLesson(1, 1, 2, 1.0 / 3), new ReliabilityLesson(0, 1, 2, 1.0 / 3), new ReliabilityLesson(0, 0, 2, 1.0 / 3) }));
    }

    [Test]
    public void Lessons_Measurement_RightWithinTheTolerance()
    {
        var policy = Policy("measurement", [], 1, 3, 0.9, tolerance: 0.5);

        Assert.That(new MeasurementKind().Lessons(policy, Value(10.4), Value(10.0)), Is.EqualTo(new[] { ReliabilityLesson.RightOrWrong(true) }));
        Assert.That(new MeasurementKind().Lessons(policy, Value(11.0), Value(10.0)), Is.EqualTo(new[] { new ReliabilityLesson(1, 0, 2) }));
    }

    private static KindDecision DecideMultilabel((string Worker, string Labels)[] annotations, int min, int max, double threshold) =>
        new MultilabelKind().Decide(
            Policy("multilabel", ["a", "b", "c"], min, max, threshold),
            annotations.Select(a => new KindAnnotation(a.Worker, Json($$"""{ "labels": {{a.Labels}} }"""))).ToList(),
            worker => Reliability.GetValueOrDefault(worker) ?? OneCoinReliability.NewWorker);

    private static KindDecision DecideMeasurement(double[] values, double? tolerance, int min, int max, double threshold) =>
        new MeasurementKind().Decide(
            Policy("measurement", [], min, max, threshold, tolerance),
            values.Select((v, i) => new KindAnnotation($"w{i}", Value(v))).ToList(),
            _ => OneCoinReliability.NewWorker);

    [Test]
    public void Agreement_Classification_IsTheShareOfAnnotationsEqualToTheFinalLabel()
    {
        var kind = new ClassificationKind();
        var policy = Policy("classification", ["a", "b", "c"], 1, 3, 0.9);
        JsonElement Label(string label) => JsonSerializer.SerializeToElement(new { label });

        Assert.That(kind.Agreement(policy, [Label("a"), Label("b"), Label("a"), Label("a")], Label("a")), Is.EqualTo(0.75));
        Assert.That(kind.Agreement(policy, [Label("a"), Label("b")], Label("c")), Is.Zero);
        Assert.That(kind.Agreement(policy, [], Label("a")), Is.Zero);
    }

    private static TaskPolicy Policy(string kind, string[] classes, int min, int max, double threshold, double? tolerance = null) => new()
    {
        SchemaKind = kind, Classes = classes, RedundancyMin = min, RedundancyMax = max, AcceptanceThreshold = threshold, IsGold = false,
        Unit = kind == "measurement" ? "mm" : null, Tolerance = tolerance,
    };

    private static string[] Labels(JsonElement payload) => payload.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray();

    private static JsonElement Value(double value) => JsonSerializer.SerializeToElement(new { value });

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
