using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Labels.Stitching;

namespace Crowd.Labels.Tests.Stitching;

public sealed class ItemStitcherTests
{
    private static readonly string[] Severity = ["benign", "indeterminate", "malignant"];

    private static readonly ItemShape Series = new(512, 512, 120);

    [TestCase(true, new[] { "benign", "malignant", "benign" }, "malignant")] // ordered: the most severe
    [TestCase(false, new[] { "benign", "malignant", "benign" }, "benign")] // unordered: the most frequent
    [TestCase(false, new[] { "malignant", "indeterminate" }, "indeterminate")] // a tie: the earlier class
    [TestCase(false, new[] { "malignant", "benign", "indeterminate", "malignant", "benign" }, "benign")]
    [TestCase(true, new[] { "indeterminate" }, "indeterminate")]
    public void Stitch_Classification_PicksTheItemsClass(bool ordered, string[] taskLabels, string expected)
    {
        var item = ItemStitcher.Stitch(Series, new LabelSchema("classification", Severity, Ordered: ordered),
            taskLabels.Select(l => Final(new { label = l })).ToList());

        Assert.That(item.Label!.Value.GetRawText(), Is.EqualTo($$"""{"label":"{{expected}}"}"""));
        Assert.That(item.Findings, Is.Empty);
    }

    [Test]
    public void Stitch_NoFinalTasks_HasNoLabelAndNoConfidence()
    {
        var item = ItemStitcher.Stitch(Series, new LabelSchema("classification", Severity), []);

        Assert.That((item.Label, item.Confidence), Is.EqualTo(((JsonElement?)null, (double?)null)));
    }

    [Test]
    public void Stitch_Confidence_IsTheLeastConfidentTasks() =>
        Assert.That(ItemStitcher.Stitch(Series, new LabelSchema("classification", Severity),
            [Final(new { label = "benign" }, confidence: 0.97), Final(new { label = "benign" }, confidence: 0.81), Final(new { label = "benign" }, confidence: 0.9)]).Confidence,
            Is.EqualTo(0.81));

    [Test]
    public void Stitch_Multilabel_IsTheUnionInSchemaOrder() =>
        Assert.That(ItemStitcher.Stitch(Series, new LabelSchema("multilabel", ["effusion", "nodule", "fracture"]),
            [Final(new { labels = new[] { "fracture" } }), Final(new { labels = Array.Empty<string>() }), Final(new { labels = new[] { "fracture", "effusion" } })])
            .Label!.Value.GetRawText(), Is.EqualTo("""{"labels":["effusion","fracture"]}"""));

    [Test]
    public void Stitch_Measurement_ListsEachTasksValueWithItsWindow() =>
        Assert.That(ItemStitcher.Stitch(Series, new LabelSchema("measurement", [], "mm"),
            [Final(new { value = 3.5 }, new SliceRange(8, 16)), Final(new { value = 2 }, new SliceRange(0, 8))])
            .Label!.Value.GetRawText(), Is.EqualTo("""{"values":[{"slice":{"from":0,"to":8},"tile":null,"value":2},{"slice":{"from":8,"to":16},"tile":null,"value":3.5}]}"""));

    [Test]
    public void Stitch_BboxOnOverlappingWindows_MergesAndStacksIntoOneFinding()
    {
        // Windows [0, 4) and [2, 6) both see slice 3: (10,10,20,20) and (12,10,20,20) share 18 × 20 = 360 of 400 → 0.9:
        // merged to (10,10,22,20), support 2. The second window also has (12,10,20,20) on slice 4: IoU with the merged
        // box 400 / 440 ≥ 0.3, consecutive: one finding on slices 3-4, union (10,10,22,20), support 3.
        var item = ItemStitcher.Stitch(Series, new LabelSchema("bbox", ["nodule"]),
        [
            Final(new { boxes = new[] { new { label = "nodule", x = 10, y = 10, w = 20, h = 20, slice = 3 } } }, new SliceRange(0, 4), confidence: 0.9),
            Final(new { boxes = new[] { new { label = "nodule", x = 12, y = 10, w = 20, h = 20, slice = 3 }, new { label = "nodule", x = 12, y = 10, w = 20, h = 20, slice = 4 } } }, new SliceRange(2, 6), confidence: 0.8),
        ]);

        Assert.That(item.Label!.Value.GetRawText(), Is.EqualTo(
            """{"boxes":[{"label":"nodule","x":10,"y":10,"w":22,"h":20,"slice":3,"support":2},{"label":"nodule","x":12,"y":10,"w":20,"h":20,"slice":4,"support":1}]}"""));
        var finding = item.Findings.Single();
        Assert.That((finding.SliceFrom, finding.SliceTo, finding.Box, finding.Support), Is.EqualTo(((int?)3, (int?)4, new FindingBox(10, 10, 22, 20), 3)));
        Assert.That(item.Confidence, Is.EqualTo(0.8));
    }

    [Test]
    public void Stitch_BboxCutByATileEdge_IsOneBoxInItemPixels()
    {
        // A 200 × 100 image in tiles (0,0,120,100) and (80,0,120,100). The left tile sees the lesion up to its edge,
        // tile-local (100,10,20,20) = item (100,10,20,20); the right one whole, tile-local (20,10,30,20) = item (100,10,30,20).
        // They share 20 × 20 = 400 of the smaller's 400 → one box (100,10,30,20), a finding without slices.
        var item = ItemStitcher.Stitch(new ItemShape(200, 100, null), new LabelSchema("bbox", ["nodule"]),
        [
            Final(new { boxes = new[] { new { label = "nodule", x = 100, y = 10, w = 20, h = 20 } } }, tile: new TileRegion(0, 0, 120, 100)),
            Final(new { boxes = new[] { new { label = "nodule", x = 20, y = 10, w = 30, h = 20 } } }, tile: new TileRegion(80, 0, 120, 100)),
        ]);

        Assert.That(item.Label!.Value.GetRawText(), Is.EqualTo("""{"boxes":[{"label":"nodule","x":100,"y":10,"w":30,"h":20,"support":2}]}"""));
        var finding = item.Findings.Single();
        Assert.That((finding.Label, finding.SliceFrom, finding.SliceTo, finding.Box, finding.Support), Is.EqualTo(("nodule", (int?)null, (int?)null, new FindingBox(100, 10, 30, 20), 2)));
        Assert.That(finding.Boxes, Is.EqualTo(new[] { new SliceBox(null, 100, 10, 30, 20) }));
    }

    [Test]
    public void Stitch_SegmentationOnTiles_IsTheUnionInItemPixels()
    {
        // The 4 × 2 item and tiles of MaskUnionTests: {2} from the left tile, {0, 3} from the right one → item {1, 2, 5}.
        var item = ItemStitcher.Stitch(new ItemShape(4, 2, null), new LabelSchema("segmentation", ["lesion"]),
        [
            Final(new { masks = new[] { new { label = "lesion", width = 3, height = 2, rle = new[] { 2, 1 } } } }, tile: new TileRegion(0, 0, 3, 2)),
            Final(new { masks = new[] { new { label = "lesion", width = 3, height = 2, rle = new[] { 0, 1, 3, 1 } } } }, tile: new TileRegion(1, 0, 3, 2)),
        ]);

        Assert.That(item.Label!.Value.GetRawText(), Is.EqualTo("""{"masks":[{"label":"lesion","width":4,"height":2,"rle":[1,2,5,1]}]}"""));
    }

    [Test]
    public void Stitch_SegmentationOnWindows_KeepsEachSlice() =>
        Assert.That(ItemStitcher.Stitch(new ItemShape(2, 2, 8), new LabelSchema("segmentation", ["lesion"]),
        [
            Final(new { masks = new[] { new { label = "lesion", width = 2, height = 2, rle = new[] { 0, 1 }, slice = 1 } } }, new SliceRange(0, 4)),
            Final(new { masks = new[] { new { label = "lesion", width = 2, height = 2, rle = new[] { 3, 1 }, slice = 1 }, new { label = "lesion", width = 2, height = 2, rle = new[] { 2, 1 }, slice = 5 } } }, new SliceRange(1, 8)),
        ]).Label!.Value.GetRawText(), Is.EqualTo(
            """{"masks":[{"label":"lesion","slice":1,"width":2,"height":2,"rle":[0,1,3,1]},{"label":"lesion","slice":5,"width":2,"height":2,"rle":[2,1]}]}"""));

    private static TaskLabel Final(object payload, SliceRange? slice = null, TileRegion? tile = null, double confidence = 1) =>
        new(slice, tile, JsonSerializer.SerializeToElement(payload), confidence);
}
