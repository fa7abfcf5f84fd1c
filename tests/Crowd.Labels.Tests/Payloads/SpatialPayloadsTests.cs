using System.Text.Json;
using Crowd.Consensus.Engine.Geometry;

namespace Crowd.Labels.Tests.Payloads;

/// <summary>The payload shapes of bbox and segmentation.</summary>
public sealed class SpatialPayloadsTests
{
    private static readonly LabelSchema Bbox = new("bbox", ["nodule", "mass"]);

    [TestCase("""{ "boxes": [] }""")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 0.5, "h": 30 } ] }""")]
    [TestCase("""{ "boxes": [ { "label": "mass", "x": 10, "y": 20, "w": 30, "h": 30, "slice": 42 }, { "label": "mass", "x": 1, "y": 2, "w": 3, "h": 4 } ] }""")]
    public void Misfit_BoxesInsideSchema_IsNone(string payload) =>
        Assert.That(LabelPayloads.Misfit(Bbox, Json(payload), "annotation"), Is.Null);

    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 0, "h": 30 } ] }""", "annotation.boxes[0].w")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": -1 } ] }""", "annotation.boxes[0].h")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": -1, "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].x")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 1e400, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].y")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": "0", "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].x")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].x")]
    [TestCase("""{ "boxes": [ { "label": "mass", "x": 0, "y": 0, "w": 1, "h": 1 }, { "label": "tumour", "x": 0, "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[1].label")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1, "slice": 1.5 } ] }""", "annotation.boxes[0].slice")]
    [TestCase("""{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1, "z": 1 } ] }""", "annotation.boxes[0].z")]
    [TestCase("""{ "boxes": [ 1 ] }""", "annotation.boxes[0]")]
    [TestCase("""{ "boxes": {} }""", "annotation.boxes")]
    [TestCase("""{ "label": "nodule" }""", "annotation")]
    public void Misfit_BoxOutsideSchema_NamesTheField(string payload, string field) =>
        Assert.That(LabelPayloads.Misfit(Bbox, Json(payload), "annotation")?.Field, Is.EqualTo(field));

    [Test]
    public void Display_Boxes_CountsPerClass() => Assert.Multiple(() =>
    {
        Assert.That(LabelPayloads.Display("bbox", Json("""
            { "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 1, "h": 1 }, { "label": "mass", "x": 0, "y": 0, "w": 1, "h": 1 },
                         { "label": "nodule", "x": 5, "y": 5, "w": 1, "h": 1 } ] }
            """)), Is.EqualTo("nodule×2;mass×1"));
        Assert.That(LabelPayloads.Display("bbox", Json("""{ "boxes": [] }""")), Is.Empty);
    });

    private static readonly LabelSchema Segmentation = new("segmentation", ["lesion", "oedema"]);

    [TestCase("""{ "masks": [] }""")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 2, 2, 2, 15, 1] } ] }""")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [] }, { "label": "oedema", "width": 4, "height": 4, "rle": [3, 1] } ] }""")]
    [TestCase("""{ "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 1], "slice": 41 }, { "label": "lesion", "width": 4, "height": 4, "rle": [3, 1], "slice": 42 } ] }""")]
    public void Misfit_MasksInsideSchema_IsNone(string payload) =>
        Assert.That(LabelPayloads.Misfit(Segmentation, Json(payload), "annotation"), Is.Null);

    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 2, 1, 2] } ]""", "annotation.masks[0].rle")] // overlapping
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [5, 2, 0, 2] } ]""", "annotation.masks[0].rle")] // unsorted
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [15, 2] } ]""", "annotation.masks[0].rle")] // past pixel 15
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 0] } ]""", "annotation.masks[0].rle")] // empty run
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [0] } ]""", "annotation.masks[0].rle")] // not pairs
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [-1, 2] } ]""", "annotation.masks[0].rle")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [0.5, 2] } ]""", "annotation.masks[0].rle")]
    [TestCase("""[ { "label": "lesion", "width": 0, "height": 4, "rle": [] } ]""", "annotation.masks[0].width")]
    [TestCase("""[ { "label": "lesion", "width": 4, "rle": [] } ]""", "annotation.masks[0].height")]
    [TestCase("""[ { "label": "lesion", "width": 5000, "height": 5000, "rle": [] } ]""", "annotation.masks[0].width")]
    [TestCase("""[ { "label": "tumour", "width": 4, "height": 4, "rle": [] } ]""", "annotation.masks[0].label")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [] }, { "label": "lesion", "width": 4, "height": 4, "rle": [1, 1] } ]""", "annotation.masks[1].label")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [], "area": 0 } ]""", "annotation.masks[0].area")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": 3 }, { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": 3 } ]""", "annotation.masks[1].label")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": -1 } ]""", "annotation.masks[0].slice")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": 2.5 } ]""", "annotation.masks[0].slice")]
    [TestCase("""[ { "label": "lesion", "width": 4, "height": 4, "rle": [], "slice": null } ]""", "annotation.masks[0].slice")]
    public void Misfit_MaskOutsideSchema_NamesTheField(string masks, string field) =>
        Assert.That(LabelPayloads.Misfit(Segmentation, Json($$"""{ "masks": {{masks}} }"""), "annotation")?.Field, Is.EqualTo(field));

    [Test]
    public void Display_Masks_PixelsPerClass() =>
        Assert.That(LabelPayloads.Display("segmentation", Json("""
            { "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 2, 4, 2] }, { "label": "oedema", "width": 4, "height": 4, "rle": [] } ] }
            """)), Is.EqualTo("lesion=4px"));

    [Test]
    public void Masks_OneClassOnTwoSlices_AreTwoMasks()
    {
        var masks = MaskShape.Masks(Json("""
            { "masks": [ { "label": "lesion", "width": 4, "height": 4, "rle": [0, 2], "slice": 7 }, { "label": "lesion", "width": 4, "height": 4, "rle": [5, 3], "slice": 8 } ] }
            """));
        Assert.That(masks.ToDictionary(m => m.Key, m => m.Value.Area), Is.EquivalentTo(new Dictionary<MaskKey, long> { [new("lesion", 7)] = 2, [new("lesion", 8)] = 3 }));
    }

    [Test]
    public void Payload_MasksWithAndWithoutSlice_WritesSliceOnlyWhereThereIsOne()
    {
        var payload = MaskShape.Payload([new(new MaskKey("lesion", 4), new RleMask(2, 2, [0, 1])), new(new MaskKey("oedema", null), new RleMask(2, 2, []))]);
        Assert.That(payload.GetRawText(), Is.EqualTo(
            """{"masks":[{"label":"lesion","width":2,"height":2,"rle":[0,1],"slice":4},{"label":"oedema","width":2,"height":2,"rle":[]}]}"""));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
