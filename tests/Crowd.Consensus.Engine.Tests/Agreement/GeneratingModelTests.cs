using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Consensus.Engine.Tests.Agreement;

/// <summary>
/// Raters who report the truth with probability a and otherwise pick a class uniformly at random, on uniformly
/// distributed truths: chance agreement is 1/K and observed agreement a^2 + (1 - a^2)/K, so kappa = a^2 exactly in
/// expectation (for Cohen's and Fleiss' kappa, and Krippendorff's nominal alpha as the sample grows).
/// </summary>
public class GeneratingModelTests
{
    private const double A = 0.8;
    private const int K = 4;
    private const int Items = 20_000;

    [Test]
    public void Cohen_KnownGeneratingModel_RecoversASquared()
    {
        var (ratings, _) = Simulate(raters: 2, seed: 1);

        var kappa = CohenKappa.Compute(ratings[0], ratings[1], K);

        // Standard error at n = 20,000 is about 0.004.
        Assert.That(kappa, Is.EqualTo(A * A).Within(0.015));
    }

    [Test]
    public void FleissAndAlpha_KnownGeneratingModel_RecoverASquared()
    {
        var (ratings, counts) = Simulate(raters: 5, seed: 2);
        var values = new double[Items * 5];
        for (var i = 0; i < Items; i++)
        {
            for (var r = 0; r < 5; r++)
            {
                values[(i * 5) + r] = ratings[r][i];
            }
        }

        var fleiss = FleissKappa.FromCounts(counts, K);
        var alpha = KrippendorffAlpha.FromMatrix(values, 5, AlphaMetric.Nominal).Alpha;

        Assert.That(fleiss.Kappa, Is.EqualTo(A * A).Within(0.015));
        Assert.That(fleiss.PerCategory, Is.All.EqualTo(A * A).Within(0.03));
        Assert.That(alpha, Is.EqualTo(A * A).Within(0.015));
    }

    private static (int[][] Ratings, int[] Counts) Simulate(int raters, int seed)
    {
        var rng = new Random(seed);
        var ratings = new int[raters][];
        for (var r = 0; r < raters; r++)
        {
            ratings[r] = new int[Items];
        }

        var counts = new int[Items * K];
        for (var i = 0; i < Items; i++)
        {
            var truth = rng.Next(K);
            for (var r = 0; r < raters; r++)
            {
                var label = rng.NextDouble() < A ? truth : rng.Next(K);
                ratings[r][i] = label;
                counts[(i * K) + label]++;
            }
        }

        return (ratings, counts);
    }
}
