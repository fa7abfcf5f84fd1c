using Crowd.Consensus.Engine.Measurements;

namespace Crowd.Consensus.Engine.Tests.Measurements;

public class SummaryTests
{
    [Test]
    public void Median_OddAndEvenCounts_AreTheMiddleValues()
    {
        Assert.That(Summary.Median([3.0, 1.0, 2.0]), Is.EqualTo(2.0));
        Assert.That(Summary.Median([4.0, 1.0, 3.0, 2.0]), Is.EqualTo(2.5));
        Assert.That(Summary.Median([]), Is.NaN);
    }

    [Test]
    public void Consensus_Measurements_MedianAndMedianAbsoluteDeviation()
    {
        // Values 1, 2, 3, 4, 100: median 3, absolute deviations 2, 1, 0, 1, 97: MAD 1.
        var c = Summary.Consensus([1.0, 2.0, 3.0, 4.0, 100.0]);

        Assert.That(c.Median, Is.EqualTo(3));
        Assert.That(c.MedianAbsoluteDeviation, Is.EqualTo(1));
        Assert.That(c.Min, Is.EqualTo(1));
        Assert.That(c.Max, Is.EqualTo(100));
        Assert.That(c.WithinTolerance(2), Is.False);
        Assert.That(Summary.Consensus([12.0, 12.5, 11.8]).WithinTolerance(0.5), Is.True);
    }

    [Test]
    public void Consensus_ValuesShuffled_Unchanged()
    {
        double[] values = [5.5, 1.25, 9, 3, 3, 7.75];
        var a = Summary.Consensus(values);
        var b = Summary.Consensus(values.Reverse().ToArray());

        Assert.That(b, Is.EqualTo(a));
    }
}
