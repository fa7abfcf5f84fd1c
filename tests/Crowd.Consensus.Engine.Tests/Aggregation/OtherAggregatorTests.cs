using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Consensus.Engine.Tests.Aggregation;

public class OtherAggregatorTests
{
    [Test]
    public void MajorityVote_Tie_GoesToTheClassSeenMostOverall()
    {
        // Item 0: one vote each for classes 0 and 1 (a tie); item 1: class 1 twice, so class 1 is more frequent overall.
        var data = CrowdLabels.Create(2, 3, 2, [0, 0, 1, 1], [0, 1, 0, 2], [0, 1, 1, 1]);

        var result = MajorityVote.Run(data);

        Assert.That(result.Label(0), Is.EqualTo(1));
        Assert.That(result.Confidence(0), Is.EqualTo(0.5));
    }

    [Test]
    public void MajorityVote_TieWithEqualTotals_GoesToTheLowerClassIndex()
    {
        var data = CrowdLabels.Create(1, 2, 3, [0, 0], [0, 1], [2, 1]);

        Assert.That(MajorityVote.Run(data).Label(0), Is.EqualTo(1));
    }

    [Test]
    public void MajorityVote_RepeatedRatings_EachRowCounts()
    {
        // Worker 0 says class 0 three times (as observer 1 in Dawid and Skene's data), two others say class 1.
        var data = CrowdLabels.Create(1, 3, 2, [0, 0, 0, 0, 0], [0, 0, 0, 1, 2], [0, 0, 0, 1, 1]);

        var result = MajorityVote.Run(data);

        Assert.That(result.Label(0), Is.EqualTo(0));
        Assert.That(result.Confidence(0), Is.EqualTo(0.6).Within(1e-12));
    }

    [Test]
    public void WeightedMajorityVote_ExplicitWeights_HeavierWorkerWins()
    {
        var data = CrowdLabels.Create(1, 3, 2, [0, 0, 0], [0, 1, 2], [0, 1, 1]);

        var result = MajorityVote.RunWeighted(data, [3.0, 1.0, 1.0]);

        Assert.That(result.Label(0), Is.EqualTo(0));
        Assert.That(result.Confidence(0), Is.EqualTo(0.6).Within(1e-12));
    }

    [TestCase(AggregationMethod.MajorityVote)]
    [TestCase(AggregationMethod.WeightedMajorityVote)]
    [TestCase(AggregationMethod.OneCoinDawidSkene)]
    [TestCase(AggregationMethod.Glad)]
    public void Run_ItemsWorkersAndClassNamesPermuted_SamePosteriors(AggregationMethod method)
    {
        var g = Generated.DawidSkeneModel(seed: 21, items: 300, workers: 12, classes: 3, labelsPerItem: 5);
        var baseline = Aggregator.Run(method, g.Labels);
        var permuted = Permutation.Apply(g.Labels, seed: 4);

        var result = Aggregator.Run(method, permuted.Labels);

        Permutation.AssertSamePosteriors(baseline, result, permuted);
    }

    [Test]
    public void OneCoin_KnownGeneratingModel_RecoversWorkerAccuracy()
    {
        // One-coin generating model: accuracy a_w on every class, wrong answers uniform over the other classes.
        var rng = new Random(17);
        const int items = 3000, workers = 20, k = 3;
        var accuracy = Enumerable.Range(0, workers).Select(_ => 0.5 + (0.45 * rng.NextDouble())).ToArray();
        var ii = new List<int>();
        var ww = new List<int>();
        var ll = new List<int>();
        var truth = new int[items];
        for (var i = 0; i < items; i++)
        {
            truth[i] = rng.Next(k);
            foreach (var w in Enumerable.Range(0, workers).OrderBy(_ => rng.Next()).Take(5))
            {
                ii.Add(i);
                ww.Add(w);
                ll.Add(rng.NextDouble() < accuracy[w] ? truth[i] : (truth[i] + 1 + rng.Next(k - 1)) % k);
            }
        }

        var data = CrowdLabels.Create(items, workers, k, ii.ToArray(), ww.ToArray(), ll.ToArray());

        var fit = OneCoinDawidSkene.Run(data);

        // ~750 answers per worker: standard error of an accuracy is about 0.018.
        for (var w = 0; w < workers; w++)
        {
            Assert.That(fit.WorkerAccuracy[w], Is.EqualTo(accuracy[w]).Within(0.06), $"worker {w}");
        }
    }

    [TestCase(AggregationMethod.OneCoinDawidSkene)]
    [TestCase(AggregationMethod.Glad)]
    [TestCase(AggregationMethod.WeightedMajorityVote)]
    public void Run_KnownGeneratingModel_NoWorseThanMajorityVote(AggregationMethod method)
    {
        var g = Generated.DawidSkeneModel(seed: 33, items: 3000, workers: 25, classes: 3, labelsPerItem: 5, minAccuracy: 0.4, maxAccuracy: 0.95);

        var accuracy = g.Accuracy(Aggregator.Run(method, g.Labels).Labels);

        Assert.That(accuracy, Is.GreaterThanOrEqualTo(g.Accuracy(MajorityVote.Run(g.Labels).Labels) - 0.005));
        Assert.That(accuracy, Is.LessThanOrEqualTo(g.OracleAccuracy() + 0.01));
    }

    [Test]
    public void Glad_GladGeneratingModel_RanksWorkersByAbility()
    {
        // Whitehill et al. (2009)'s model: P(correct) = sigmoid(alpha_w * beta_i), binary labels.
        var rng = new Random(71);
        const int items = 2000, workers = 10;
        var alpha = Enumerable.Range(0, workers).Select(w => 0.1 + (0.3 * w)).OrderBy(_ => rng.Next()).ToArray();
        var ii = new List<int>();
        var ww = new List<int>();
        var ll = new List<int>();
        for (var i = 0; i < items; i++)
        {
            var truth = rng.Next(2);
            var beta = Math.Exp(0.5 * ((rng.NextDouble() * 2) - 1));
            foreach (var w in Enumerable.Range(0, workers).OrderBy(_ => rng.Next()).Take(5))
            {
                var pCorrect = 1 / (1 + Math.Exp(-alpha[w] * beta));
                ii.Add(i);
                ww.Add(w);
                ll.Add(rng.NextDouble() < pCorrect ? truth : 1 - truth);
            }
        }

        var fit = Glad.Run(CrowdLabels.Create(items, workers, 2, ii.ToArray(), ww.ToArray(), ll.ToArray()));

        // Spearman rank correlation between the true and the estimated abilities.
        var rankTrue = Ranks(alpha);
        var rankEst = Ranks([.. fit.WorkerAbility]);
        var d2 = rankTrue.Zip(rankEst, (a, b) => (a - b) * (a - b)).Sum();
        var rho = 1 - (6 * d2 / (workers * ((workers * workers) - 1.0)));
        Assert.That(rho, Is.GreaterThan(0.9));
    }

    [Test]
    public void Create_LabelOutOfRange_Throws() =>
        Assert.That(() => CrowdLabels.Create(1, 1, 2, [0], [0], [2]), Throws.InstanceOf<ArgumentOutOfRangeException>());

    private static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var r = 0; r < order.Length; r++)
        {
            ranks[order[r]] = r;
        }

        return ranks;
    }
}
