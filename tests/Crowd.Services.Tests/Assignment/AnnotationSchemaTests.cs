using System.Text.Json;
using Crowd.Assignment.Domain;
using Crowd.Contracts.Tasks;

namespace Crowd.Services.Tests.Assignment;

public sealed class AnnotationSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{ "kind": "classification", "classes": ["nodule", "no-nodule"] }""").RootElement;

    [Test]
    public void Misfit_LabelInSchema_IsNone() =>
        Assert.That(AnnotationSchema.Misfit(Schema, Json("""{ "label": "nodule" }"""), null, null), Is.Null);

    [TestCase("""{ "label": "fracture" }""", "annotation.label")]
    [TestCase("""{ "label": 3 }""", "annotation.label")]
    [TestCase("""{ }""", "annotation.label")]
    [TestCase("""{ "label": "nodule", "extra": 1 }""", "annotation")]
    [TestCase("""["nodule"]""", "annotation")]
    public void Misfit_PayloadOutsideSchema_NamesTheField(string payload, string field) =>
        Assert.That(AnnotationSchema.Misfit(Schema, Json(payload), null, null)?.Field, Is.EqualTo(field));

    [Test]
    public void Misfit_NoAnnotation_NamesIt() =>
        Assert.That(AnnotationSchema.Misfit(Schema, null, null, null)?.Field, Is.EqualTo("annotation"));

    private static readonly JsonElement BboxSchema = JsonDocument.Parse("""{ "kind": "bbox", "classes": ["nodule"] }""").RootElement;

    [Test]
    public void Misfit_BoxOnASliceOutsideTheTasksWindow_NamesTheSlice() =>
        Assert.That(
            AnnotationSchema.Misfit(BboxSchema, Json("""{ "boxes": [ { "label": "nodule", "x": 1, "y": 1, "w": 2, "h": 2, "slice": 20 } ] }"""), new SliceRange(10, 20), null)?.Field,
            Is.EqualTo("annotation.boxes[0].slice"));

    [Test]
    public void Misfit_BoxOnASliceInsideTheTasksWindow_IsNone() =>
        Assert.That(
            AnnotationSchema.Misfit(BboxSchema, Json("""{ "boxes": [ { "label": "nodule", "x": 1, "y": 1, "w": 2, "h": 2, "slice": 19 } ] }"""), new SliceRange(10, 20), null),
            Is.Null);

    [Test]
    public void Misfit_ShapeAndGeometryBothWrong_NamesTheShapeFirst() =>
        Assert.That(
            AnnotationSchema.Misfit(BboxSchema, Json("""{ "boxes": [ { "label": "mass", "x": 1, "y": 1, "w": 2, "h": 2, "slice": 99 } ] }"""), new SliceRange(10, 20), null)?.Field,
            Is.EqualTo("annotation.boxes[0].label"));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
