using System.Globalization;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Consensus.Engine.Tests.Aggregation;

/// <summary>
/// Dawid and Skene (1979) fitted their model by EM to the anaesthetists' ratings of Table 1 and published the
/// maximum likelihood estimates to two decimals: the class marginals, each observer's error rates (Table 2) and each
/// patient's class probabilities (Table 4). Our fit on the same 315 ratings must reproduce every printed figure to
/// its rounding: within half a unit of the second decimal (0.005), with 0.001 to spare for the paper's stopping point.
/// The figures were read from the paper as transcribed in a public JUnit test of another implementation
/// (DawidSkeneAlgorithmTest, package algorithms.dawidskene), which checks them to 0.01.
/// </summary>
public class DawidSkene1979PublishedTests
{
    private const double PrintedPrecision = 0.006;

    // Class marginals p_j, classes 1..4.
    private static readonly double[] PublishedMarginals = [0.40, 0.42, 0.11, 0.07];

    // Table 2: per observer, rows = true class 1..4, columns = the class the observer gave 1..4.
    private static readonly double[][][] PublishedErrorRates =
    [
        [[0.89, 0.11, 0.00, 0.00], [0.07, 0.88, 0.05, 0.00], [0.00, 0.34, 0.66, 0.00], [0.00, 0.00, 0.56, 0.44]],
        [[0.83, 0.17, 0.00, 0.00], [0.05, 0.63, 0.31, 0.00], [0.00, 0.00, 1.00, 0.00], [0.00, 0.00, 0.00, 1.00]],
        [[1.00, 0.00, 0.00, 0.00], [0.11, 0.79, 0.11, 0.00], [0.00, 0.40, 0.20, 0.40], [0.00, 0.00, 0.67, 0.33]],
        [[0.94, 0.06, 0.00, 0.00], [0.05, 0.84, 0.10, 0.00], [0.00, 0.00, 0.80, 0.20], [0.00, 0.00, 0.33, 0.67]],
        [[1.00, 0.00, 0.00, 0.00], [0.16, 0.73, 0.11, 0.00], [0.00, 0.21, 0.79, 0.00], [0.00, 0.00, 0.33, 0.67]],
    ];

    // Table 4: the estimated class of patients 1..45; all but three are certain to two decimals.
    private static readonly int[] PublishedClass =
    [
        1, 4, 2, 2, 2, 2, 1, 3, 2, 2, 4, 3, 1, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1,
        1, 2, 1, 1, 1, 1, 3, 1, 2, 2, 4, 2, 3, 3, 1, 1, 1, 2, 1, 2,
    ];

    // The three uncertain patients: (patient, class, probability) as printed; the rest of their mass is on one other class.
    private static readonly (int Patient, int Class, double Probability)[] PublishedUncertain =
    [
        (7, 1, 0.98), (7, 2, 0.02),
        (35, 2, 0.95), (35, 3, 0.05),
        (38, 2, 0.02), (38, 3, 0.98),
    ];

    private static LabelTable table = null!;
    private static DawidSkeneFit fit = null!;

    [OneTimeSetUp]
    public void FitTheAnaesthetistData()
    {
        table = CrowdCsv.ReadLabels(RepositoryData.Path("ds1979", "labels.csv")).Build();
        // Plain maximum likelihood, as in the paper: no smoothing beyond the numerical guard, run to convergence.
        fit = DawidSkene.Run(table.Labels, new EmOptions { MaxIterations = 1000, Tolerance = 1e-12 });
        Assert.That(fit.Result.Converged, Is.True);
    }

    [Test]
    public void ClassMarginals_MatchThePaper()
    {
        for (var c = 1; c <= 4; c++)
        {
            Assert.That(fit.Model.ClassPrior[Class(c)], Is.EqualTo(PublishedMarginals[c - 1]).Within(PrintedPrecision), $"class {c}");
        }
    }

    [Test]
    public void ObserverErrorRates_MatchTable2()
    {
        for (var observer = 1; observer <= 5; observer++)
        {
            var w = Worker(observer);
            for (var truth = 1; truth <= 4; truth++)
            {
                for (var given = 1; given <= 4; given++)
                {
                    Assert.That(
                        fit.Model.Confusion(w, Class(truth), Class(given)),
                        Is.EqualTo(PublishedErrorRates[observer - 1][truth - 1][given - 1]).Within(PrintedPrecision),
                        $"observer {observer}, true class {truth}, given {given}");
                }
            }
        }
    }

    [Test]
    public void PatientClasses_MatchTable4()
    {
        for (var patient = 1; patient <= 45; patient++)
        {
            var i = Item(patient);
            Assert.That(table.ClassNames[fit.Result.Label(i)], Is.EqualTo(PublishedClass[patient - 1].ToString(CultureInfo.InvariantCulture)), $"patient {patient}");
        }
    }

    [Test]
    public void PatientProbabilities_MatchTable4()
    {
        var uncertain = PublishedUncertain.Select(u => u.Patient).ToHashSet();
        for (var patient = 1; patient <= 45; patient++)
        {
            var posterior = fit.Result.Posterior(Item(patient));
            for (var c = 1; c <= 4; c++)
            {
                var expected = uncertain.Contains(patient)
                    ? PublishedUncertain.Where(u => u.Patient == patient && u.Class == c).Select(u => u.Probability).SingleOrDefault()
                    : c == PublishedClass[patient - 1] ? 1.0 : 0.0;
                Assert.That(posterior[Class(c)], Is.EqualTo(expected).Within(PrintedPrecision), $"patient {patient}, class {c}");
            }
        }
    }

    private static int Class(int published) => table.ClassIndex(published.ToString(CultureInfo.InvariantCulture));

    private static int Worker(int observer) => table.WorkerNames.ToList().IndexOf(observer.ToString(CultureInfo.InvariantCulture));

    private static int Item(int patient) => table.ItemNames.ToList().IndexOf(patient.ToString(CultureInfo.InvariantCulture));
}
