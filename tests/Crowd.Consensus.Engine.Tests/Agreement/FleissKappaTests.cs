using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Consensus.Engine.Tests.Agreement;

public class FleissKappaTests
{
    // Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories; published kappa = 0.210,
    // P-bar = 0.378, P-bar_e = 0.213 (https://en.wikipedia.org/wiki/Fleiss%27_kappa#Worked_example).
    private static readonly int[] WikipediaCounts =
    [
        0, 0, 0, 0, 14,
        0, 2, 6, 4, 2,
        0, 0, 3, 5, 6,
        0, 3, 9, 2, 0,
        2, 2, 8, 1, 1,
        7, 7, 0, 0, 0,
        3, 2, 6, 3, 0,
        2, 5, 3, 2, 2,
        6, 5, 2, 1, 0,
        0, 2, 2, 3, 7,
    ];

    [Test]
    public void FromCounts_WikipediaExample_IsPublishedKappa()
    {
        var result = FleissKappa.FromCounts(WikipediaCounts, 5);

        Assert.That(result.Kappa, Is.EqualTo(0.210).Within(0.0005));
        Assert.That(result.Items, Is.EqualTo(10));
    }

    [Test]
    public void FromCounts_WikipediaExample_OverallIsPqWeightedMeanOfPerCategory()
    {
        // Identity from Fleiss (1971): kappa = sum_j p_j q_j kappa_j / sum_j p_j q_j.
        var result = FleissKappa.FromCounts(WikipediaCounts, 5);
        double[] p = [0.143, 0.200, 0.279, 0.150, 0.229]; // published p_j, rounded
        var exact = new double[5];
        for (var c = 0; c < 5; c++)
        {
            for (var i = 0; i < 10; i++)
            {
                exact[c] += WikipediaCounts[(i * 5) + c] / 140.0;
            }

            Assert.That(exact[c], Is.EqualTo(p[c]).Within(0.0005));
        }

        var num = 0.0;
        var den = 0.0;
        for (var c = 0; c < 5; c++)
        {
            num += exact[c] * (1 - exact[c]) * result.PerCategory[c];
            den += exact[c] * (1 - exact[c]);
        }

        Assert.That(num / den, Is.EqualTo(result.Kappa).Within(1e-12));
    }

    [Test]
    public void FromCounts_PerfectAgreement_IsOne()
    {
        int[] counts = [3, 0, 0, 0, 3, 0, 0, 0, 3, 3, 0, 0];

        var result = FleissKappa.FromCounts(counts, 3);

        Assert.That(result.Kappa, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(result.PerCategory, Is.All.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void FromCounts_ItemsAndCategoriesPermuted_KappaUnchanged()
    {
        var rng = new Random(7);
        var baseline = FleissKappa.FromCounts(WikipediaCounts, 5);
        for (var trial = 0; trial < 20; trial++)
        {
            var items = Enumerable.Range(0, 10).OrderBy(_ => rng.Next()).ToArray();
            var cats = Enumerable.Range(0, 5).OrderBy(_ => rng.Next()).ToArray();
            var permuted = new int[50];
            for (var i = 0; i < 10; i++)
            {
                for (var c = 0; c < 5; c++)
                {
                    permuted[(items[i] * 5) + cats[c]] = WikipediaCounts[(i * 5) + c];
                }
            }

            var result = FleissKappa.FromCounts(permuted, 5);

            Assert.That(result.Kappa, Is.EqualTo(baseline.Kappa).Within(1e-12));
            for (var c = 0; c < 5; c++)
            {
                Assert.That(result.PerCategory[cats[c]], Is.EqualTo(baseline.PerCategory[c]).Within(1e-12));
            }
        }
    }

    [Test]
    public void FromCounts_RandomData_KappaAtMostOne()
    {
        var rng = new Random(11);
        for (var trial = 0; trial < 200; trial++)
        {
            var k = rng.Next(2, 6);
            var items = rng.Next(2, 30);
            var counts = new int[items * k];
            for (var i = 0; i < items; i++)
            {
                for (var r = 0; r < 4; r++)
                {
                    counts[(i * k) + rng.Next(k)]++;
                }
            }

            var result = FleissKappa.FromCounts(counts, k);

            // Fleiss' kappa is bounded above by 1 and below by -1/(n-1) for n raters per item.
            Assert.That(result.Kappa, Is.LessThanOrEqualTo(1.0 + 1e-12).Or.NaN);
            Assert.That(result.Kappa, Is.GreaterThanOrEqualTo((-1.0 / 3) - 1e-12).Or.NaN);
        }
    }
}
