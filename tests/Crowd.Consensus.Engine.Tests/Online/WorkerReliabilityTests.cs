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

        Assert.That(spammer.IsBelowFloor(0.6, confidence: 0.9, minObservations: 10, classCount: 2), Is.False);
        Assert.That(spammer.IsBelowFloor(0.6, confidence: 0.9, minObservations: 5, classCount: 2), Is.True);
    }

    [Test]
    public void IsBelowFloor_RandomClicker_IsSuspendedWithinFifteenAnswers()
    {
        // Four classes, right a quarter of the time, judged answer by answer from the Beta(4, 1) prior.
        WorkerReliability r = OneCoinReliability.NewWorker;
        var answers = 0;
        while (!r.IsBelowFloor(0.6, confidence: 0.9, minObservations: 5, classCount: 4) && answers < 100)
        {
            r = r.ObserveGold(answers % 4 == 0 ? 0 : 1, truth: 0, classCount: 4);
            answers++;
        }

        Assert.That(answers, Is.InRange(5, 15));
    }

    [Test]
    public void IsBelowFloor_FairWorkerOnAnUnluckyStreak_IsNotSuspended()
    {
        // A 70 % worker who got 5 of their first 10 judged answers right: the point estimate (9 / 15 = 0.6) is on the
        // floor, but ten answers cannot make anyone 90 % sure the worker is under it.
        var r = new OneCoinReliability(4 + 5, 1 + 5, observations: 10);

        Assert.That(r.Accuracy, Is.EqualTo(0.6).Within(1e-12));
        Assert.That(r.ProbabilityBelow(0.6, 2), Is.EqualTo(0.5).Within(1e-6));
        Assert.That(r.IsBelowFloor(0.6, confidence: 0.9, minObservations: 5, classCount: 2), Is.False);
    }

    [Test]
    public void ProbabilityBelow_AtTheTabulatedNormalQuantiles_GivesTheirProbabilities()
    {
        // Beta(60, 40): mean 0.6, sd sqrt(2400 / (100^2 * 101)). z = 1.6449 is the standard normal table's 95th
        // percentile, so the normal approximation must put 95 % below mean + 1.6449 sd and 5 % below mean - 1.6449 sd.
        var r = new OneCoinReliability(60, 40, observations: 95);
        var sd = Math.Sqrt(60.0 * 40 / (100.0 * 100 * 101));

        Assert.That(r.ProbabilityBelow(0.6 + (1.6449 * sd), 2), Is.EqualTo(0.95).Within(1e-4));
        Assert.That(r.ProbabilityBelow(0.6 - (1.6449 * sd), 2), Is.EqualTo(0.05).Within(1e-4));
    }

    [Test]
    public void ConfusionVariance_IsTheWeightedSumOfTheDiagonalBetas()
    {
        // Two classes; row 0 is Dirichlet(8, 2): its diagonal is Beta(8, 2), variance 16 / (100 * 11). Row 1 is
        // Dirichlet(3, 3): Beta(3, 3), variance 9 / (36 * 7). Weights 0.75 and 0.25.
        var r = new ConfusionReliability(2, [8, 2, 3, 3]);
        var expected = (0.75 * 0.75 * 16.0 / 1100) + (0.25 * 0.25 * 9.0 / 252);

        Assert.That(r.AccuracyVariance(2, [0.75, 0.25]), Is.EqualTo(expected).Within(1e-15));
        Assert.That(r.ExpectedAccuracy(2, [0.75, 0.25]), Is.EqualTo((0.75 * 0.8) + (0.25 * 0.5)).Within(1e-15));
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
