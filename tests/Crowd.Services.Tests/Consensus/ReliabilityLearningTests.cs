using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;

namespace Crowd.Services.Tests.Consensus;

/// <summary>
/// The suspension rule on the platform's defaults (floor 0.6, 90 % sure, at least 5 answers), from the new-worker prior
/// Beta(4, 1). After k wrong answers the posterior is Beta(4, 1 + k): k = 4 gives mean 4/9 = 0.444, sd 0.157, P(below
/// 0.6) = Φ(0.99) = 0.84 (and only 4 answers); k = 5 gives mean 0.4, sd 0.148, P = Φ(1.35) = 0.91: suspended.
/// </summary>
public sealed class ReliabilityLearningTests
{
    private static readonly ConsensusOptions Defaults = new();

    [Test]
    public void Learn_FiveWrongAnswers_SuspendsOnTheFifthAndOnlyOnce()
    {
        var reliabilities = NewWorkers("w");
        var wrong = ReliabilityLesson.RightOrWrong(false);

        var afterFour = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrong), 4), Defaults);
        var fifth = ReliabilityLearning.Learn(reliabilities, [("w", wrong)], Defaults);
        var sixth = ReliabilityLearning.Learn(reliabilities, [("w", wrong)], Defaults);

        Assert.That(afterFour, Is.Empty);
        Assert.That(fifth.Single().EstimatedAccuracy, Is.EqualTo(0.4).Within(1e-12));
        Assert.That(sixth, Is.Empty, "a suspended worker is suspended once");
        Assert.That(reliabilities["w"].Suspended, Is.True);
    }

    [Test]
    public void Learn_MultilabelLessons_FiveAnswersOfThreeClassesCountAsFiveAnswers()
    {
        var reliabilities = NewWorkers("w");
        var wrongClass = new ReliabilityLesson(1, 0, 2, 1.0 / 3);

        var fourAnswers = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrongClass), 12), Defaults);
        var fifthAnswer = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrongClass), 3), Defaults);

        Assert.That(fourAnswers, Is.Empty);
        Assert.That(fifthAnswer, Has.Count.EqualTo(1), "suspended on the fifth answer's last class, not a lesson later");
        Assert.That(reliabilities["w"].Reliability.Observations, Is.EqualTo(5).Within(1e-9));
    }

    [Test]
    public void Learn_AWorkerRightFourTimesInFive_IsNeverSuspended()
    {
        var reliabilities = NewWorkers("w");
        var lessons = Enumerable.Range(0, 100).Select(i => ("w", ReliabilityLesson.RightOrWrong(i % 5 != 0)));

        Assert.That(ReliabilityLearning.Learn(reliabilities, lessons, Defaults), Is.Empty);
        Assert.That(reliabilities["w"].Reliability.Accuracy, Is.EqualTo(84.0 / 105).Within(1e-12));
    }

    private static Dictionary<string, StoredReliability> NewWorkers(params string[] ids) =>
        ids.ToDictionary(id => id, _ => new StoredReliability(OneCoinReliability.NewWorker, false));
}
