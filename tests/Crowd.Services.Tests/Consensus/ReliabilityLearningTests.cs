using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;

namespace Crowd.Services.Tests.Consensus;

/// <summary>
/// The suspension rule on the platform's defaults (floor 0.6, 97.5 % sure, at least 5 answers), from the new-worker prior
/// Beta(4, 1). After k wrong answers the posterior is Beta(4, 1 + k), and consensus reads its mass under 0.6 by the normal
/// approximation with the Beta's exact mean and variance: k = 6 gives mean 4/11 = 0.364, sd 0.139, P(below 0.6) =
/// Φ(1.70) = 0.956, under 0.975; k = 7 gives mean 1/3, sd 0.131, P = Φ(2.04) = 0.979: suspended on the seventh.
/// </summary>
public sealed class ReliabilityLearningTests
{
    private static readonly ConsensusOptions Defaults = new();

    [Test]
    public void Learn_SevenWrongAnswers_SuspendsOnTheSeventhAndOnlyOnce()
    {
        var reliabilities = NewWorkers("w");
        var wrong = ReliabilityLesson.RightOrWrong(false);

        var afterSix = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrong), 6), Defaults);
        var seventh = ReliabilityLearning.Learn(reliabilities, [("w", wrong)], Defaults);
        var eighth = ReliabilityLearning.Learn(reliabilities, [("w", wrong)], Defaults);

        Assert.That(afterSix, Is.Empty);
        Assert.That(seventh.Single().EstimatedAccuracy, Is.EqualTo(4.0 / 12).Within(1e-12));
        Assert.That(eighth, Is.Empty, "a suspended worker is suspended once");
        Assert.That(reliabilities["w"].Suspended, Is.True);
    }

    [Test]
    public void Learn_MultilabelLessons_SevenAnswersOfThreeClassesCountAsSevenAnswers()
    {
        var reliabilities = NewWorkers("w");
        var wrongClass = new ReliabilityLesson(1, 0, 2, 1.0 / 3);

        var sixAnswers = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrongClass), 18), Defaults);
        var seventhAnswer = ReliabilityLearning.Learn(reliabilities, Enumerable.Repeat(("w", wrongClass), 3), Defaults);

        Assert.That(sixAnswers, Is.Empty);
        Assert.That(seventhAnswer, Has.Count.EqualTo(1), "suspended on the seventh answer's last class, not a lesson later");
        Assert.That(reliabilities["w"].Reliability.Observations, Is.EqualTo(7).Within(1e-9));
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
