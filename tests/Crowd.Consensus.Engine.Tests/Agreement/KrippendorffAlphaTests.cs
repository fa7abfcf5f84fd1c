using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Consensus.Engine.Tests.Agreement;

public class KrippendorffAlphaTests
{
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12 units with missing
    // values; published alpha: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797. Unit 12 has one value only.
    private static readonly double[] Reliability =
    [
        // A    B    C    D   (one row per unit)
        1, 1, double.NaN, 1,
        2, 2, 3, 2,
        3, 3, 3, 3,
        3, 3, 3, 3,
        2, 2, 2, 2,
        1, 2, 3, 4,
        4, 4, 4, 4,
        1, 1, 2, 1,
        2, 2, 2, 2,
        double.NaN, 5, 5, 5,
        double.NaN, double.NaN, 1, 1,
        double.NaN, 3, double.NaN, double.NaN,
    ];

    [TestCase(AlphaMetric.Nominal, 0.743)]
    [TestCase(AlphaMetric.Ordinal, 0.815)]
    [TestCase(AlphaMetric.Interval, 0.849)]
    [TestCase(AlphaMetric.Ratio, 0.797)]
    public void FromMatrix_Krippendorff2011Example_IsPublishedAlpha(AlphaMetric metric, double published)
    {
        var result = KrippendorffAlpha.FromMatrix(Reliability, 4, metric);

        Assert.That(result.Alpha, Is.EqualTo(published).Within(0.0005));
        Assert.That(result.Units, Is.EqualTo(11));
        Assert.That(result.PairableValues, Is.EqualTo(40));
    }

    [TestCase(AlphaMetric.Nominal)]
    [TestCase(AlphaMetric.Ordinal)]
    [TestCase(AlphaMetric.Interval)]
    [TestCase(AlphaMetric.Ratio)]
    public void FromMatrix_PerfectAgreement_IsOne(AlphaMetric metric)
    {
        double[] values = [1, 1, double.NaN, 2, 2, 2, 5, double.NaN, 5, 3, 3, 3];

        Assert.That(KrippendorffAlpha.FromMatrix(values, 3, metric).Alpha, Is.EqualTo(1.0).Within(1e-12));
    }

    [TestCase(AlphaMetric.Nominal)]
    [TestCase(AlphaMetric.Ordinal)]
    [TestCase(AlphaMetric.Interval)]
    [TestCase(AlphaMetric.Ratio)]
    public void FromMatrix_UnitsAndCodersPermuted_AlphaUnchanged(AlphaMetric metric)
    {
        var rng = new Random(3);
        var baseline = KrippendorffAlpha.FromMatrix(Reliability, 4, metric).Alpha;
        for (var trial = 0; trial < 20; trial++)
        {
            var units = Enumerable.Range(0, 12).OrderBy(_ => rng.Next()).ToArray();
            var coders = Enumerable.Range(0, 4).OrderBy(_ => rng.Next()).ToArray();
            var permuted = new double[48];
            for (var u = 0; u < 12; u++)
            {
                for (var c = 0; c < 4; c++)
                {
                    permuted[(units[u] * 4) + coders[c]] = Reliability[(u * 4) + c];
                }
            }

            Assert.That(KrippendorffAlpha.FromMatrix(permuted, 4, metric).Alpha, Is.EqualTo(baseline).Within(1e-12));
        }
    }

    [Test]
    public void FromMatrix_NominalLabelsRenamed_AlphaUnchanged()
    {
        var baseline = KrippendorffAlpha.FromMatrix(Reliability, 4, AlphaMetric.Nominal).Alpha;
        var renamed = Reliability.Select(v => double.IsNaN(v) ? v : 100 - (7 * v)).ToArray();

        Assert.That(KrippendorffAlpha.FromMatrix(renamed, 4, AlphaMetric.Nominal).Alpha, Is.EqualTo(baseline).Within(1e-12));
    }

    [Test]
    public void FromMatrix_TwoCodersNominal_MatchesPaperClosedForm()
    {
        // Krippendorff (2011), nominal data: alpha = ((n - 1) sum_c o_cc - sum_c n_c (n_c - 1)) / (n (n - 1) - sum_c n_c (n_c - 1)),
        // where for two observers without missing values o_cc = 2 x (units both coded c) and n = 2 x units.
        int[] a = [0, 0, 1, 1, 2, 2, 0, 1, 2, 0];
        int[] b = [0, 1, 1, 1, 2, 0, 0, 1, 2, 2];
        var values = new double[20];
        var nc = new double[3];
        var agree = 0;
        for (var i = 0; i < 10; i++)
        {
            values[2 * i] = a[i];
            values[(2 * i) + 1] = b[i];
            nc[a[i]]++;
            nc[b[i]]++;
            agree += a[i] == b[i] ? 1 : 0;
        }

        var chance = nc.Sum(c => c * (c - 1));
        var expected = ((19.0 * 2 * agree) - chance) / ((20.0 * 19) - chance);

        Assert.That(KrippendorffAlpha.FromMatrix(values, 2, AlphaMetric.Nominal).Alpha, Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void FromUnits_ContinuousMeasurementsFromKnownModel_IntervalAlphaIsReliabilityRatio()
    {
        // value = truth + noise with truth ~ N(0, 2^2), noise ~ N(0, 1): interval alpha tends to 4 / (4 + 1) = 0.8.
        // 60,000 distinct values: a values x values coincidence matrix would not fit in memory.
        var rng = new Random(19);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var units = new List<double[]>();
        for (var u = 0; u < 20_000; u++)
        {
            var truth = 2 * Normal();
            units.Add([truth + Normal(), truth + Normal(), truth + Normal()]);
        }

        var result = KrippendorffAlpha.FromUnits(units, AlphaMetric.Interval);

        Assert.That(result.Alpha, Is.EqualTo(0.8).Within(0.01));
        Assert.That(result.PairableValues, Is.EqualTo(60_000));
    }
}
