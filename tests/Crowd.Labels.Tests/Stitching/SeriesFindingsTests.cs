using Crowd.Labels.Stitching;

namespace Crowd.Labels.Tests.Stitching;

public sealed class SeriesFindingsTests
{
    private static readonly string[] Classes = ["mass", "nodule"];

    private static ItemBox B(int? slice, double x, double y, double w, double h, string label = "nodule", int support = 1) => new(label, slice, x, y, w, h, support);

    [Test]
    public void Group_ConsecutiveAndOneSkippedSlice_IsOneFinding()
    {
        // Slice 10 (0,0,10,10) and slice 11 (2,0,10,10): IoU 80 / 120 = 2/3 ≥ 0.3, consecutive.
        // Slice 13 (2,0,10,10) against slice 11: IoU 1, one slice (12) skipped: linked.
        // Union box x 0..12, y 0..10; support 1 + 2 + 1 = 4.
        var findings = SeriesFindings.Group([B(13, 2, 0, 10, 10), B(10, 0, 0, 10, 10), B(11, 2, 0, 10, 10, support: 2)], Classes);

        Assert.That(findings, Has.Count.EqualTo(1));
        var finding = findings[0];
        Assert.That((finding.Label, finding.SliceFrom, finding.SliceTo, finding.Support), Is.EqualTo(("nodule", (int?)10, (int?)13, 4)));
        Assert.That(finding.Box, Is.EqualTo(new FindingBox(0, 0, 12, 10)));
        Assert.That(finding.Boxes, Is.EqualTo(new[] { new SliceBox(10, 0, 0, 10, 10), new SliceBox(11, 2, 0, 10, 10), new SliceBox(13, 2, 0, 10, 10) }));
    }

    [Test]
    public void Group_TwoSlicesSkipped_IsTwoFindings() =>
        // Slices 10 and 13: 12 and 11 both missing.
        Assert.That(SeriesFindings.Group([B(10, 0, 0, 10, 10), B(13, 0, 0, 10, 10)], Classes).Select(f => (f.SliceFrom, f.SliceTo)),
            Is.EqualTo(new[] { ((int?)10, (int?)10), (13, 13) }));

    [Test]
    public void Group_IoUUnderThreshold_IsTwoFindings() =>
        // (0,0,10,10) and (6,0,10,10): 40 / 160 = 0.25.
        Assert.That(SeriesFindings.Group([B(10, 0, 0, 10, 10), B(11, 6, 0, 10, 10)], Classes), Has.Count.EqualTo(2));

    [Test]
    public void Group_IoUExactlyAtThreshold_IsOneFinding() =>
        // (0,0,10,10) and (7,0,3,10) inside it: 30 / 100 = 0.3.
        Assert.That(SeriesFindings.Group([B(10, 0, 0, 10, 10), B(11, 7, 0, 3, 10)], Classes), Has.Count.EqualTo(1));

    [Test]
    public void Group_OtherClass_IsItsOwnFinding_AndClassesComeInSchemaOrder() =>
        Assert.That(SeriesFindings.Group([B(10, 0, 0, 10, 10), B(11, 0, 0, 10, 10, "mass")], Classes).Select(f => f.Label),
            Is.EqualTo(new[] { "mass", "nodule" }));

    [Test]
    public void Group_ForkOnOneSlice_KeepsBothBoxesInOneFinding()
    {
        // Slice 4 (0,0,20,10) links to both slice-5 boxes: (0,0,10,10) IoU 100/200 = 0.5 and (10,0,10,10) IoU 0.5;
        // the two slice-5 boxes share nothing. One finding, three boxes sorted by slice then x.
        var finding = SeriesFindings.Group([B(5, 10, 0, 10, 10), B(5, 0, 0, 10, 10), B(4, 0, 0, 20, 10)], Classes).Single();

        Assert.That(finding.Boxes.Select(b => (b.Slice, b.X)), Is.EqualTo(new[] { ((int?)4, 0.0), (5, 0.0), (5, 10.0) }));
        Assert.That((finding.SliceFrom, finding.SliceTo, finding.Support), Is.EqualTo(((int?)4, (int?)5, 3)));
    }

    [Test]
    public void Group_WithoutSlices_EachBoxIsAFindingWithNullSlices()
    {
        var findings = SeriesFindings.Group([B(null, 50, 0, 10, 10), B(null, 0, 0, 10, 10, support: 2)], Classes);

        Assert.That(findings.Select(f => (f.SliceFrom, f.SliceTo, f.Box.X, f.Support)), Is.EqualTo(new[] { ((int?)null, (int?)null, 0.0, 2), (null, null, 50.0, 1) }));
        Assert.That(findings[0].Boxes, Is.EqualTo(new[] { new SliceBox(null, 0, 0, 10, 10) }));
    }
}
