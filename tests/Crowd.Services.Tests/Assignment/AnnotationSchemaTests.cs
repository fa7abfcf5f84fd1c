using System.Text.Json;
using Crowd.Assignment.Domain;

namespace Crowd.Services.Tests.Assignment;

public sealed class AnnotationSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{ "kind": "classification", "classes": ["nodule", "no-nodule"] }""").RootElement;

    [Test]
    public void Misfit_LabelInSchema_IsNone() =>
        Assert.That(AnnotationSchema.Misfit(Schema, Json("""{ "label": "nodule" }""")), Is.Null);

    [TestCase("""{ "label": "fracture" }""", "annotation.label")]
    [TestCase("""{ "label": 3 }""", "annotation.label")]
    [TestCase("""{ }""", "annotation.label")]
    [TestCase("""{ "label": "nodule", "extra": 1 }""", "annotation")]
    [TestCase("""["nodule"]""", "annotation")]
    public void Misfit_PayloadOutsideSchema_NamesTheField(string payload, string field) =>
        Assert.That(AnnotationSchema.Misfit(Schema, Json(payload))?.Field, Is.EqualTo(field));

    [Test]
    public void Misfit_NoAnnotation_NamesIt() =>
        Assert.That(AnnotationSchema.Misfit(Schema, null)?.Field, Is.EqualTo("annotation"));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
