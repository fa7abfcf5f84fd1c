using Crowd.Cli.Csv;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Consensus.Engine.Tests.Aggregation;

public class DawidSkeneTests
{
    [Test]
    public void Run_DawidSkene1979Table1_KeepsEveryRepeatedRating()
    {
        // Dawid and Skene (1979), Table 1: 45 patients, 5 anaesthetists, 4 classes; observer 1 rated every patient
        // three times, the others once: 45 x (3 + 4) = 315 observations.
        var table = CrowdCsv.ReadLabels(RepositoryData.Path("ds1979", "labels.csv")).Build();

        Assert.That(table.Labels.ItemCount, Is.EqualTo(45));
        Assert.That(table.Labels.WorkerCount, Is.EqualTo(5));
        Assert.That(table.Labels.ClassCount, Is.EqualTo(4));
        Assert.That(table.Labels.Count, Is.EqualTo(315));
        for (var i = 0; i < 45; i++)
        {
            Assert.That(table.Labels.LabelCount(i), Is.EqualTo(7));
        }
    }

    [Test]
    public void Run_DawidSkene1979Table1_ConvergesWithProperPosteriors()
    {
        var data = CrowdCsv.ReadLabels(RepositoryData.Path("ds1979", "labels.csv")).Build().Labels;

        var fit = DawidSkene.Run(data);

        Assert.That(fit.Result.Converged, Is.True);
        for (var i = 0; i < data.ItemCount; i++)
        {
            Assert.That(fit.Result.Posterior(i).ToArray().Sum(), Is.EqualTo(1.0).Within(1e-9));
        }

        Assert.That(fit.Model.ClassPrior.ToArray().Sum(), Is.EqualTo(1.0).Within(1e-9));
        for (var w = 0; w < data.WorkerCount; w++)
        {
            for (var t = 0; t < data.ClassCount; t++)
            {
                var row = Enumerable.Range(0, data.ClassCount).Sum(o => fit.Model.Confusion(w, t, o));
                Assert.That(row, Is.EqualTo(1.0).Within(1e-9));
            }
        }
    }

    [Test]
    public void Run_DawidSkene1979Table1_UnanimousPatientsKeepTheirClass()
    {
        // Where all seven ratings agree the data leave no doubt; the paper's estimated classes agree with them.
        var data = CrowdCsv.ReadLabels(RepositoryData.Path("ds1979", "labels.csv")).Build().Labels;
        var fit = DawidSkene.Run(data);
        var unanimous = 0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var labels = data.Labels[data.ItemStart[i]..data.ItemStart[i + 1]].ToArray();
            if (labels.Distinct().Count() == 1)
            {
                unanimous++;
                Assert.That(fit.Result.Label(i), Is.EqualTo(labels[0]));
                Assert.That(fit.Result.Confidence(i), Is.GreaterThan(0.99));
            }
        }

        Assert.That(unanimous, Is.GreaterThan(10));
    }

    [Test]
    public void Run_DawidSkene1979Table1_LogLikelihoodNeverDecreases()
    {
        // EM's monotonicity (Dempster, Laird and Rubin 1977), without smoothing so the objective is the plain likelihood.
        var data = CrowdCsv.ReadLabels(RepositoryData.Path("ds1979", "labels.csv")).Build().Labels;
        var previous = double.NegativeInfinity;
        for (var n = 1; n <= 30; n++)
        {
            var ll = DawidSkene.Run(data, new EmOptions { MaxIterations = n, Tolerance = 0, Smoothing = 0 }).Result.LogLikelihood;

            Assert.That(ll, Is.GreaterThanOrEqualTo(previous - 1e-9), $"iteration {n}");
            previous = ll;
        }
    }

    [Test]
    public void Run_KnownGeneratingModel_RecoversConfusionPriorAndNearOracleAccuracy()
    {
        var g = Generated.DawidSkeneModel(seed: 42, items: 4000, workers: 30, classes: 3, labelsPerItem: 5);

        var fit = DawidSkene.Run(g.Labels);

        for (var c = 0; c < 3; c++)
        {
            Assert.That(fit.Model.ClassPrior[c], Is.EqualTo(g.Prior[c]).Within(0.03));
        }

        // Each worker labels ~670 items, ~110-330 per true class: cells are within a few standard errors of the truth.
        var worst = 0.0;
        for (var w = 0; w < 30; w++)
        {
            for (var t = 0; t < 3; t++)
            {
                for (var o = 0; o < 3; o++)
                {
                    worst = Math.Max(worst, Math.Abs(fit.Model.Confusion(w, t, o) - g.Confusion[w][(t * 3) + o]));
                }
            }
        }

        Assert.That(worst, Is.LessThan(0.12));
        Assert.That(g.Accuracy(fit.Result.Labels), Is.GreaterThanOrEqualTo(g.OracleAccuracy() - 0.01));
        Assert.That(g.Accuracy(fit.Result.Labels), Is.GreaterThan(g.Accuracy(MajorityVote.Run(g.Labels).Labels)));
    }

    [Test]
    public void Run_ItemsWorkersAndClassNamesPermuted_SamePosteriors()
    {
        var g = Generated.DawidSkeneModel(seed: 5, items: 300, workers: 12, classes: 3, labelsPerItem: 4);
        var baseline = DawidSkene.Run(g.Labels).Result;
        var permuted = Permutation.Apply(g.Labels, seed: 9);

        var result = DawidSkene.Run(permuted.Labels).Result;

        Permutation.AssertSamePosteriors(baseline, result, permuted);
    }

    [Test]
    public void Run_GoldItems_ClampedToGoldAndNoWorseElsewhere()
    {
        var g = Generated.DawidSkeneModel(seed: 8, items: 1000, workers: 15, classes: 3, labelsPerItem: 3, minAccuracy: 0.45, maxAccuracy: 0.8);
        var gold = Enumerable.Repeat(-1, 1000).ToArray();
        for (var i = 0; i < 1000; i += 5)
        {
            gold[i] = g.Truth[i];
        }

        var plain = DawidSkene.Run(g.Labels).Result;
        var clamped = DawidSkene.Run(g.Labels, new EmOptions { Gold = gold }).Result;

        for (var i = 0; i < 1000; i += 5)
        {
            Assert.That(clamped.Label(i), Is.EqualTo(g.Truth[i]));
            Assert.That(clamped.Confidence(i), Is.EqualTo(1.0));
        }

        var rest = Enumerable.Range(0, 1000).Where(i => i % 5 != 0).ToArray();
        var plainRest = rest.Count(i => plain.Label(i) == g.Truth[i]);
        var clampedRest = rest.Count(i => clamped.Label(i) == g.Truth[i]);
        Assert.That(clampedRest, Is.GreaterThanOrEqualTo(plainRest - 8));
    }

    [Test]
    public void Run_PerfectWorkers_EveryItemCorrectWithCertainty()
    {
        var items = new List<int>();
        var workers = new List<int>();
        var labels = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            for (var w = 0; w < 3; w++)
            {
                items.Add(i);
                workers.Add(w);
                labels.Add(i % 4);
            }
        }

        var data = CrowdLabels.Create(60, 3, 4, items.ToArray(), workers.ToArray(), labels.ToArray());

        foreach (var (_, method) in Aggregator.Methods)
        {
            var result = Aggregator.Run(method, data);
            for (var i = 0; i < 60; i++)
            {
                Assert.That(result.Label(i), Is.EqualTo(i % 4), method.ToString());
                Assert.That(result.Confidence(i), Is.GreaterThan(0.99), method.ToString());
            }
        }
    }

    [Test]
    public void Run_NoSmoothingAndAWorkerWhoNeverSeesAClass_PosteriorsStayFinite()
    {
        // Worker 2 only labels items of class 0, so its rows for classes 1 and 2 have no mass (0/0 without a guard).
        var data = CrowdLabels.Create(
            4, 3, 3,
            [0, 0, 0, 1, 1, 2, 2, 3, 3],
            [0, 1, 2, 0, 1, 0, 1, 0, 1],
            [0, 0, 0, 1, 1, 2, 2, 1, 2]);

        var result = DawidSkene.Run(data, new EmOptions { Smoothing = 0 }).Result;

        for (var i = 0; i < 4; i++)
        {
            Assert.That(result.Posterior(i).ToArray(), Is.All.Not.NaN);
            Assert.That(result.Posterior(i).ToArray().Sum(), Is.EqualTo(1.0).Within(1e-9));
        }

        Assert.That(result.Label(0), Is.EqualTo(0));
    }
}
