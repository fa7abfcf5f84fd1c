using Crowd.Consensus.Engine.Online;

namespace Crowd.Consensus.Engine.Tests.Online;

public class OnlineDecisionTests
{
    private static readonly DecisionPolicy Policy = new(minAnnotations: 2, maxAnnotations: 4, acceptanceThreshold: 0.95);

    [Test]
    public void Posterior_TwoOneCoinWorkersAgree_IsBayesClosedForm()
    {
        // Uniform prior, K classes, one-coin accuracies a and b both answering class c:
        // P(c) = ab / (ab + (K - 1) * ((1 - a)/(K - 1)) * ((1 - b)/(K - 1))).
        var a = new OneCoinReliability(8, 2); // 0.8
        var b = new OneCoinReliability(9, 1); // 0.9
        const int k = 3;
        var expected = (0.8 * 0.9) / ((0.8 * 0.9) + ((k - 1) * (0.2 / (k - 1)) * (0.1 / (k - 1))));

        var posterior = OnlineDecision.Posterior([new Vote(1, a), new Vote(1, b)], k);

        Assert.That(posterior[1], Is.EqualTo(expected).Within(1e-12));
        Assert.That(posterior.Sum(), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(posterior[0], Is.EqualTo(posterior[2]).Within(1e-15));
    }

    [Test]
    public void Decide_ConfidentButBelowMinimum_AsksForMore()
    {
        var expert = new OneCoinReliability(999, 1);

        var decision = OnlineDecision.Decide([new Vote(0, expert)], 2, Policy);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.More));
        Assert.That(decision.Candidate, Is.EqualTo(0));
        Assert.That(decision.Confidence, Is.GreaterThan(0.95));
    }

    [Test]
    public void Decide_MinimumReachedAndThresholdMet_Accepts()
    {
        var good = new OneCoinReliability(9, 1);

        var decision = OnlineDecision.Decide([new Vote(1, good), new Vote(1, good)], 2, Policy);

        // 0.81 / (0.81 + 0.01) = 0.9878 >= 0.95
        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
        Assert.That(decision.Candidate, Is.EqualTo(1));
        Assert.That(decision.Confidence, Is.EqualTo(0.81 / 0.82).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(1.0));
    }

    [Test]
    public void Decide_DisagreementBelowMaximum_AsksForMore()
    {
        var good = new OneCoinReliability(9, 1);

        var decision = OnlineDecision.Decide([new Vote(0, good), new Vote(1, good), new Vote(0, good)], 2, Policy);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.More));
        Assert.That(decision.Candidate, Is.EqualTo(0));
        Assert.That(decision.Confidence, Is.EqualTo(0.9).Within(1e-12));
    }

    [Test]
    public void Decide_MaximumReachedWithoutThreshold_Escalates()
    {
        var good = new OneCoinReliability(9, 1);

        var decision = OnlineDecision.Decide([new Vote(0, good), new Vote(1, good), new Vote(0, good), new Vote(1, good)], 2, Policy);

        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Escalate));
        Assert.That(decision.Confidence, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(decision.Agreement, Is.EqualTo(0.5));
    }

    [Test]
    public void Decide_ThresholdOfOne_NeedsCertainty()
    {
        var good = new OneCoinReliability(9, 1);
        var strict = new DecisionPolicy(1, 3, 1.0);

        Assert.That(OnlineDecision.Decide([new Vote(0, good)], 2, strict).Outcome, Is.EqualTo(DecisionOutcome.More));
    }

    [Test]
    public void Decide_VotesReordered_SamePosterior()
    {
        var rng = new Random(2);
        var votes = Enumerable.Range(0, 6)
            .Select(i => new Vote(rng.Next(4), new OneCoinReliability(1 + rng.Next(10), 1 + rng.Next(5))))
            .ToList();
        var baseline = OnlineDecision.Posterior(votes, 4);
        for (var trial = 0; trial < 10; trial++)
        {
            var shuffled = votes.OrderBy(_ => rng.Next()).ToList();
            Assert.That(OnlineDecision.Posterior(shuffled, 4), Is.EqualTo(baseline).Within(1e-12));
        }
    }

    [Test]
    public void Posterior_SymmetricConfusionMatrix_EqualsOneCoin()
    {
        // A confusion matrix with accuracy 0.8 on every class and errors spread evenly is the one-coin model.
        const int k = 3;
        var counts = new double[k * k];
        for (var t = 0; t < k; t++)
        {
            for (var o = 0; o < k; o++)
            {
                counts[(t * k) + o] = t == o ? 8 : 1;
            }
        }

        var matrix = new ConfusionReliability(k, counts);
        var coin = new OneCoinReliability(8, 2);
        Vote[] asMatrix = [new(0, matrix), new(2, matrix), new(0, matrix)];
        Vote[] asCoin = [new(0, coin), new(2, coin), new(0, coin)];

        Assert.That(OnlineDecision.Posterior(asMatrix, k), Is.EqualTo(OnlineDecision.Posterior(asCoin, k)).Within(1e-12));
    }

    [Test]
    public void Posterior_ClassPrior_MultipliesIn()
    {
        var coin = new OneCoinReliability(7, 3);

        var posterior = OnlineDecision.Posterior([new Vote(0, coin)], 2, [0.2, 0.8]);

        Assert.That(posterior[0], Is.EqualTo(0.2 * 0.7 / ((0.2 * 0.7) + (0.8 * 0.3))).Within(1e-12));
    }

    [Test]
    public void DecisionPolicy_InvalidSettings_Throw()
    {
        Assert.That(() => new DecisionPolicy(0, 3, 0.9), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DecisionPolicy(3, 2, 0.9), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DecisionPolicy(1, 2, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new DecisionPolicy(1, 2, 1.01), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Decide_StoredAnnotationsWithUnknownWorker_UsesTheLookupAndItsPrior()
    {
        var known = new Dictionary<string, WorkerReliability> { ["w1"] = new OneCoinReliability(9, 1) };
        Annotation[] annotations = [new("w1", 1), new("w2", 1)];

        var decision = OnlineDecision.Decide(annotations, id => known.GetValueOrDefault(id, OneCoinReliability.NewWorker), 2, Policy);

        // 0.9 * 0.8 / (0.9 * 0.8 + 0.1 * 0.2)
        Assert.That(decision.Confidence, Is.EqualTo(0.72 / 0.74).Within(1e-12));
        Assert.That(decision.Outcome, Is.EqualTo(DecisionOutcome.Accept));
    }
}
