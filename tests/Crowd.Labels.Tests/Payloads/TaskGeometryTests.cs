using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels.Tests.Payloads;

/// <summary>API.md "Coordinates inside a task": boxes and masks against the task's slice window or tile.</summary>
public sealed class TaskGeometryTests
{
    private static readonly SliceRange Window = new(10, 20);

    // A tile 100 wide and 50 high; its position in the item does not matter inside the task (tile-local pixels).
    private static readonly TileRegion Tile = new(300, 200, 100, 50);

    [TestCase("""{ "boxes": [] }""")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5, "slice": 10 } ] }""")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5, "slice": 19 }, { "label": "nodule", "x": 1, "y": 1, "w": 5, "h": 5, "slice": 15 } ] }""")]
    public void Misfit_BoxesInsideTheWindow_IsNone(string payload) =>
        Assert.That(TaskGeometry.Misfit("bbox", Json(payload), Window, null, "annotation"), Is.Null);

    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5, "slice": 20 } ] }""", "annotation.boxes[0].slice")] // to is excluded
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5, "slice": 9 } ] }""", "annotation.boxes[0].slice")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5, "slice": 12 }, { "label": "nodule", "x": 0, "y": 0, "w": 5, "h": 5 } ] }""", "annotation.boxes[1].slice")] // required
    public void Misfit_BoxOutsideTheWindow_NamesItsSlice(string payload, string field) =>
        Assert.That(TaskGeometry.Misfit("bbox", Json(payload), Window, null, "annotation")?.Field, Is.EqualTo(field));

    [TestCase("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 1], "slice": 10 }, { "label": "oedema", "width": 4, "height": 4, "rle": [], "slice": 20 } ] }""", "annotation.masks[1].slice")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 1] } ] }""", "annotation.masks[0].slice")]
    public void Misfit_MaskOutsideTheWindow_NamesItsSlice(string payload, string field) =>
        Assert.That(TaskGeometry.Misfit("segmentation", Json(payload), Window, null, "annotation")?.Field, Is.EqualTo(field));

    [Test]
    public void Misfit_MaskInsideTheWindow_IsNone() =>
        Assert.That(TaskGeometry.Misfit("segmentation", Json("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 1], "slice": 14 } ] }"""), Window, null, "annotation"), Is.Null);

    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 100, "h": 50 } ] }""")] // the whole tile
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 99.5, "y": 49, "w": 0.5, "h": 1 } ] }""")] // touching the far corner
    public void Misfit_BoxInsideTheTile_IsNone(string payload) =>
        Assert.That(TaskGeometry.Misfit("bbox", Json(payload), null, Tile, "annotation"), Is.Null);

    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 100, "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].x")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 90, "y": 0, "w": 10.5, "h": 1 } ] }""", "annotation.boxes[0].w")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 50, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].y")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1 }, { "label": "nodule", "x": 0, "y": 40, "w": 1, "h": 11 } ] }""", "annotation.boxes[1].h")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 310, "y": 210, "w": 5, "h": 5 } ] }""", "annotation.boxes[0].x")] // item coordinates are not tile-local
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1, "slice": 0 } ] }""", "annotation.boxes[0].slice")]
    public void Misfit_BoxOutsideTheTile_NamesTheField(string payload, string field) =>
        Assert.That(TaskGeometry.Misfit("bbox", Json(payload), null, Tile, "annotation")?.Field, Is.EqualTo(field));

    [Test]
    public void Misfit_TileSizedMask_IsNone() =>
        Assert.That(TaskGeometry.Misfit("segmentation", Json("""{ "masks": [ { "label": "lesion", "width": 100, "height": 50, "rle": [0, 10] } ] }"""), null, Tile, "annotation"), Is.Null);

    [TestCase("""{ "masks": [ { "label": "lesion", "width": 100, "height": 50, "rle": [] }, { "label": "oedema", "width": 50, "height": 50, "rle": [] } ] }""", "annotation.masks[1].width")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 100, "height": 100, "rle": [] } ] }""", "annotation.masks[0].height")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 400, "height": 250, "rle": [] } ] }""", "annotation.masks[0].width")] // item-sized
    public void Misfit_MaskNotTileSized_NamesTheSide(string payload, string field) =>
        Assert.That(TaskGeometry.Misfit("segmentation", Json(payload), null, Tile, "annotation")?.Field, Is.EqualTo(field));

    [TestCase("bbox", """{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1, "slice": 3 } ] }""", "annotation.boxes[0].slice")]
    [TestCase("segmentation", """{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": 0 } ] }""", "annotation.masks[0].slice")]
    public void Misfit_SliceOnATaskWithoutWindow_NamesIt(string kind, string payload, string field) =>
        Assert.That(TaskGeometry.Misfit(kind, Json(payload), null, null, "annotation")?.Field, Is.EqualTo(field));

    [TestCase("bbox", """{ "boxes": [ { "label": "nodule", "x": 5000, "y": 0, "w": 1, "h": 1 } ] }""")]
    [TestCase("segmentation", """{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [] } ] }""")]
    [TestCase("classification", """{ "label": "nodule" }""")]
    [TestCase("measurement", """{ "value": 3 }""")]
    public void Misfit_WholeItemTaskWithoutSlices_IsNone(string kind, string payload) =>
        Assert.That(TaskGeometry.Misfit(kind, Json(payload), null, null, "annotation"), Is.Null);

    [Test]
    public void Misfit_ClassificationOnAWindowedTask_IsNone() =>
        Assert.That(TaskGeometry.Misfit("classification", Json("""{ "label": "nodule" }"""), Window, null, "annotation"), Is.Null);

    [Test]
    public void Misfit_Root_PrefixesTheField() =>
        Assert.That(TaskGeometry.Misfit("bbox", Json("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1, "slice": 2 } ] }"""), Window, null, "label")?.Field, Is.EqualTo("label.boxes[0].slice"));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
