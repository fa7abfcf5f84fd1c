using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Consensus.Engine.Tests.Agreement;

public class CohenKappaTests
{
    // R package vcd, Kappa(SexualFun): husband x wife ratings of 91 couples (Hout, Duncan and Sobel 1987, via Agresti 1990
    // and Friendly 2000, p. 91). Published output: Unweighted 0.1293, Weighted (Equal-Spacing = linear) 0.2374.
    private static readonly double[] SexualFun =
    [
        7, 7, 2, 3,
        2, 8, 3, 7,
        1, 5, 4, 9,
        2, 8, 9, 14,
    ];

    // Wikipedia, "Cohen's kappa", simple example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15; kappa = 0.4.
    private static readonly double[] WikipediaGrants = [20, 5, 10, 15];

    [Test]
    public void FromTable_VcdSexualFunUnweighted_IsPublishedKappa() =>
        Assert.That(CohenKappa.FromTable(SexualFun, 4), Is.EqualTo(0.1293).Within(0.00005));

    [Test]
    public void FromTable_VcdSexualFunLinear_IsPublishedWeightedKappa() =>
        Assert.That(CohenKappa.FromTable(SexualFun, 4, KappaWeighting.Linear), Is.EqualTo(0.2374).Within(0.00005));

    [Test]
    public void FromTable_WikipediaExample_IsPublishedKappa() =>
        Assert.That(CohenKappa.FromTable(WikipediaGrants, 2), Is.EqualTo(0.4).Within(1e-12));

    [TestCase(KappaWeighting.Linear)]
    [TestCase(KappaWeighting.Quadratic)]
    public void FromTable_TwoCategories_WeightedEqualsUnweighted(KappaWeighting weighting) =>
        Assert.That(CohenKappa.FromTable(WikipediaGrants, 2, weighting), Is.EqualTo(0.4).Within(1e-12));

    [Test]
    public void Compute_RawRatingsOfSexualFun_EqualsTableResult()
    {
        var (a, b) = Expand(SexualFun, 4);

        Assert.That(CohenKappa.Compute(a, b, 4, KappaWeighting.Linear), Is.EqualTo(0.2374).Within(0.00005));
    }

    // Maple, EssayTools[QuadraticWeightedKappa], the help page's two examples: two graders' integer scores of nine
    // essays on the scale from the lowest to the highest score given (1..10; nobody gave 2). Published output:
    // 0.758620689655172 and 0.438095238095238.
    [TestCase(new[] { 9, 7, 8, 7, 6, 8, 3, 5, 10 }, new[] { 8, 8, 6, 6, 7, 6, 1, 4, 8 }, 0.758620689655172)]
    [TestCase(new[] { 9, 7, 8, 7, 6, 8, 3, 5, 10 }, new[] { 3, 5, 6, 6, 7, 6, 1, 4, 8 }, 0.438095238095238)]
    public void Compute_MapleEssayScores_IsPublishedQuadraticKappa(int[] grader1, int[] grader2, double published)
    {
        // Category c is score c + 1, so the weights follow the score scale, unused 2 included.
        var a = grader1.Select(score => score - 1).ToArray();
        var b = grader2.Select(score => score - 1).ToArray();

        Assert.That(CohenKappa.Compute(a, b, 10, KappaWeighting.Quadratic), Is.EqualTo(published).Within(1e-12));
    }

    [TestCase(KappaWeighting.Unweighted)]
    [TestCase(KappaWeighting.Linear)]
    [TestCase(KappaWeighting.Quadratic)]
    public void Compute_PerfectAgreement_IsOne(KappaWeighting weighting)
    {
        int[] a = [0, 1, 2, 3, 2, 1, 0];

        Assert.That(CohenKappa.Compute(a, a, 4, weighting), Is.EqualTo(1.0).Within(1e-12));
    }

    [TestCase(KappaWeighting.Unweighted)]
    [TestCase(KappaWeighting.Linear)]
    [TestCase(KappaWeighting.Quadratic)]
    public void Compute_RatersSwappedOrItemsShuffled_Unchanged(KappaWeighting weighting)
    {
        var (a, b) = Expand(SexualFun, 4);
        var baseline = CohenKappa.Compute(a, b, 4, weighting);
        var order = Enumerable.Range(0, a.Length).OrderBy(_ => new Random(5).Next()).Reverse().ToArray();
        var a2 = order.Select(i => a[i]).ToArray();
        var b2 = order.Select(i => b[i]).ToArray();

        Assert.That(CohenKappa.Compute(b, a, 4, weighting), Is.EqualTo(baseline).Within(1e-12));
        Assert.That(CohenKappa.Compute(a2, b2, 4, weighting), Is.EqualTo(baseline).Within(1e-12));
    }

    [Test]
    public void Compute_RandomRatings_BetweenMinusOneAndOne()
    {
        var rng = new Random(13);
        for (var trial = 0; trial < 300; trial++)
        {
            var k = rng.Next(2, 6);
            var n = rng.Next(2, 40);
            var a = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
            foreach (var w in new[] { KappaWeighting.Unweighted, KappaWeighting.Linear, KappaWeighting.Quadratic })
            {
                var kappa = CohenKappa.Compute(a, b, k, w);
                Assert.That(kappa, Is.InRange(-1.0 - 1e-12, 1.0 + 1e-12).Or.NaN);
            }
        }
    }

    [Test]
    public void Compute_MissingRating_ItemSkipped()
    {
        int[] a = [0, 1, -1, 1];
        int[] b = [0, 1, 0, 1];

        Assert.That(CohenKappa.Compute(a, b, 2), Is.EqualTo(1.0).Within(1e-12));
    }

    private static (int[] A, int[] B) Expand(double[] table, int k)
    {
        var a = new List<int>();
        var b = new List<int>();
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                for (var x = 0; x < (int)table[(i * k) + j]; x++)
                {
                    a.Add(i);
                    b.Add(j);
                }
            }
        }

        return ([.. a], [.. b]);
    }
}
