using System.Text.Json;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;

namespace Crowd.Services.Tests.Consensus;

/// <summary>
/// The revisit rule (README, "Revisions"): classification batches re-decided whole by Dawid-Skene from the learned
/// accuracies (issue 9's story, as in the engine's <c>RevisitTests</c>, here through payloads and task ids); other kinds
/// re-decided task by task without the suspended workers' annotations (worked examples in the comments).
/// </summary>
public sealed class BatchRevisitTests
{
    private static readonly StoredReliability Prior = new(new OneCoinReliability(4, 1), Suspended: false);

    [Test]
    public void Classification_TheTasksTwoCarelessWorkersWon_AreDisputedWithTheTruth_AndAskForMoreWhileTheyHaveBudget()
    {
        // Tasks 0-17: careful workers c(i % 4) and c((i + 1) % 4) right, careless x(i % 2) wrong unless i % 3 == 0; decided
        // right. Tasks 18 and 19: c0 right, x0 and x1 wrong; decided wrong. Task 19 has spent its budget (5 + 2 = 7).
        var policy = Policy("classification", classes: ["a", "b"]);
        var taskIds = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        string Truth(int i) => i % 2 == 0 ? "a" : "b";
        string Wrong(int i) => i % 2 == 0 ? "b" : "a";
        var annotations = new List<RevisitedAnnotation>();
        for (var i = 0; i < 18; i++)
        {
            annotations.Add(Label(taskIds[i], $"c{i % 4}", Truth(i)));
            annotations.Add(Label(taskIds[i], $"c{(i + 1) % 4}", Truth(i)));
            annotations.Add(Label(taskIds[i], $"x{i % 2}", i % 3 == 0 ? Truth(i) : Wrong(i)));
        }

        foreach (var i in new[] { 18, 19 })
        {
            annotations.Add(Label(taskIds[i], "c0", Truth(i)));
            annotations.Add(Label(taskIds[i], "x0", Wrong(i)));
            annotations.Add(Label(taskIds[i], "x1", Wrong(i)));
        }

        var tasks = Enumerable.Range(0, 20)
            .Select(i => new RevisitedTask(taskIds[i], ClassPayload(i < 18 ? Truth(i) : Wrong(i)), AnnotationCount: i == 19 ? 7 : 3))
            .ToList();

        var disputed = BatchRevisit.Dispute(policy, tasks, annotations, [], _ => Prior);

        Assert.That(disputed.Select(d => d.TaskId), Is.EqualTo(new[] { taskIds[18], taskIds[19] }));
        Assert.That(disputed.Select(d => d.Candidate.GetProperty("label").GetString()), Is.EqualTo(new[] { Truth(18), Truth(19) }));
        Assert.That(disputed.Select(d => d.AsksForMore), Is.EqualTo(new[] { true, false }), "task 19 goes to QA");
    }

    [Test]
    public void Classification_TasksNotDecidedByConsensus_AreNeverDisputed()
    {
        // One task, decided by QA (no decided label here), where the only two annotators agree against QA's label.
        var policy = Policy("classification", classes: ["a", "b"]);
        var task = Guid.NewGuid();
        var annotations = new[] { Label(task, "w1", "a"), Label(task, "w2", "a") };

        Assert.That(BatchRevisit.Dispute(policy, [new RevisitedTask(task, null, 2)], annotations, [], _ => Prior), Is.Empty);
    }

    [Test]
    public void Measurement_ATaskIsDisputedOnlyWhenItsRuleNoLongerAcceptsItsLabel_WithoutTheSuspendedWorker()
    {
        // min 2, max 3, threshold 0.6, tolerance 1. "s" is suspended.
        //   kept:     10, 10.5, s 50 → median 10.5, 2/3 within 1, decided 10.5. Without s: 10, 10.5 → median 10.25, 2/2
        //             within 1, accepted, and 10.25 is within 1 of 10.5: the same label, not disputed.
        //   moved:    10, s 50, 51 → median 50, 2/3, decided 50. Without s: 10, 51 → median 30.5, 0/2 within 1: not
        //             accepted, disputed with 30.5 as the candidate; 3 annotations of a budget of 5, so it asks for more.
        //   untouched: s is not among its annotators, so it is not looked at, however its rule would judge it.
        var policy = Policy("measurement", classes: [], min: 2, max: 3, threshold: 0.6) with { Unit = "mm", Tolerance = 1 };
        Guid kept = Guid.NewGuid(), moved = Guid.NewGuid(), untouched = Guid.NewGuid();
        var annotations = new[]
        {
            Value(kept, "w1", 10), Value(kept, "w2", 10.5), Value(kept, "s", 50),
            Value(moved, "w1", 10), Value(moved, "s", 50), Value(moved, "w2", 51),
            Value(untouched, "w1", 10), Value(untouched, "w2", 40),
        };
        var tasks = new[]
        {
            new RevisitedTask(kept, ValuePayload(10.5), 3), new RevisitedTask(moved, ValuePayload(50), 3), new RevisitedTask(untouched, ValuePayload(25), 2),
        };

        var disputed = BatchRevisit.Dispute(policy, tasks, annotations, [], worker => Prior with { Suspended = worker == "s" });

        Assert.That(disputed.Select(d => d.TaskId), Is.EqualTo(new[] { moved }));
        Assert.That(disputed[0].Candidate.GetProperty("value").GetDouble(), Is.EqualTo(30.5));
        Assert.That(disputed[0].AsksForMore, Is.True);
    }

    private static TaskPolicy Policy(string kind, string[] classes, int min = 3, int max = 5, double threshold = 0.6) => new()
    {
        SchemaKind = kind, Classes = classes, RedundancyMin = min, RedundancyMax = max, AcceptanceThreshold = threshold, IsGold = false,
    };

    private static JsonElement ClassPayload(string label) => JsonSerializer.SerializeToElement(new { label });

    private static JsonElement ValuePayload(double value) => JsonSerializer.SerializeToElement(new { value });

    private static RevisitedAnnotation Label(Guid task, string worker, string label) => new(task, worker, ClassPayload(label));

    private static RevisitedAnnotation Value(Guid task, string worker, double value) => new(task, worker, ValuePayload(value));
}
