using System.Text.Json;
using Crowd.ServiceDefaults.Labels;

namespace Crowd.Services.Tests.Assignment;

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

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
