using Crowd.Consensus.Engine.Online;

namespace Crowd.Consensus.Engine.Tests.Online;

public class WorkerReliabilityTests
{
    [Test]
    public void OneCoin_NewWorker_HasPriorMeanPointEight() =>
        Assert.That(OneCoinReliability.NewWorker.Accuracy, Is.EqualTo(0.8).Within(1e-12));

    [Test]
    public void OneCoin_GoldAnswers_UpdateTheBetaCounts()
    {
        var r = new OneCoinReliability(1, 1);

        var updated = (OneCoinReliability)r.ObserveGold(2, 2, 3).ObserveGold(1, 2, 3).ObserveGold(2, 2, 3);

        Assert.That(updated.Correct, Is.EqualTo(3));
        Assert.That(updated.Incorrect, Is.EqualTo(2));
        Assert.That(updated.Observations, Is.EqualTo(3));
        Assert.That(r.Correct, Is.EqualTo(1), "reliabilities are immutable");
    }

    [Test]
    public void OneCoin_FinalizedLabel_AddsThePosteriorOfTheAnswer()
    {
        var r = new OneCoinReliability(4, 1);

        var updated = (OneCoinReliability)r.Observe(1, [0.25, 0.75], weight: 2);

        Assert.That(updated.Correct, Is.EqualTo(4 + 1.5).Within(1e-12));
        Assert.That(updated.Incorrect, Is.EqualTo(1 + 0.5).Within(1e-12));
    }

    [Test]
    public void OneCoin_ManyGoldAnswers_ConvergesToTrueAccuracy()
    {
        var rng = new Random(4);
        WorkerReliability r = OneCoinReliability.NewWorker;
        for (var n = 0; n < 4000; n++)
        {
            var truth = rng.Next(3);
            var answer = rng.NextDouble() < 0.62 ? truth : (truth + 1 + rng.Next(2)) % 3;
            r = r.ObserveGold(answer, truth, 3);
        }

        // Standard error of a proportion from 4,000 answers is about 0.008.
        Assert.That(((OneCoinReliability)r).Accuracy, Is.EqualTo(0.62).Within(0.03));
    }

    [Test]
    public void Confusion_GoldAnswers_RecoverClassSpecificBias()
    {
        // A worker who calls class 1 whenever the truth is 0 a third of the time, but is perfect on class 1.
        var rng = new Random(6);
        WorkerReliability r = ConfusionReliability.NewWorker(2);
        for (var n = 0; n < 3000; n++)
        {
            var truth = rng.Next(2);
            var answer = truth == 0 && rng.NextDouble() < 1.0 / 3 ? 1 : truth;
            r = r.ObserveGold(answer, truth, 2);
        }

        Assert.That(r.Probability(0, 1, 2), Is.EqualTo(1.0 / 3).Within(0.04));
        Assert.That(r.Probability(1, 1, 2), Is.EqualTo(1.0).Within(0.01));
    }

    [Test]
    public void IsBelowFloor_NeedsEnoughEvidence()
    {
        var spammer = new OneCoinReliability(1, 9, observations: 5);

        Assert.That(spammer.IsBelowFloor(0.6, minObservations: 10, classCount: 2), Is.False);
        Assert.That(spammer.IsBelowFloor(0.6, minObservations: 5, classCount: 2), Is.True);
    }

    [Test]
    public void Confusion_ProbabilitiesOfEachTrueClass_SumToOne()
    {
        var r = ConfusionReliability.NewWorker(4).Observe(2, [0.1, 0.2, 0.3, 0.4]);
        for (var t = 0; t < 4; t++)
        {
            Assert.That(Enumerable.Range(0, 4).Sum(o => r.Probability(t, o, 4)), Is.EqualTo(1.0).Within(1e-12));
        }
    }
}
