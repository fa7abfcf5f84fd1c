using System.Text.Json;

namespace Crowd.Labels.Tests.Payloads;

/// <summary>The payload shapes of multilabel and measurement (classification's are checked through assignment's AnnotationSchemaTests).</summary>
public sealed class LabelPayloadsTests
{
    private static readonly LabelSchema Multilabel = new("multilabel", ["effusion", "nodule", "fracture"]);
    private static readonly LabelSchema Measurement = new("measurement", [], "mm", Min: 0, Max: 100);

    [TestCase("""{ "labels": ["nodule", "effusion"] }""")]
    [TestCase("""{ "labels": [] }""")]
    public void Misfit_SubsetOfClasses_IsNone(string payload) =>
        Assert.That(LabelPayloads.Misfit(Multilabel, Json(payload), "annotation"), Is.Null);

    [TestCase("""{ "labels": ["tumour"] }""", "annotation.labels")]
    [TestCase("""{ "labels": ["nodule", "nodule"] }""", "annotation.labels")]
    [TestCase("""{ "labels": "nodule" }""", "annotation.labels")]
    [TestCase("""{ "labels": [1] }""", "annotation.labels")]
    [TestCase("""{ }""", "annotation.labels")]
    [TestCase("""{ "label": "nodule" }""", "annotation")]
    public void Misfit_MultilabelOutsideSchema_NamesTheField(string payload, string field) =>
        Assert.That(LabelPayloads.Misfit(Multilabel, Json(payload), "annotation")?.Field, Is.EqualTo(field));

    [TestCase("""{ "value": 0 }""")]
    [TestCase("""{ "value": 12.5 }""")]
    [TestCase("""{ "value": 100 }""")]
    public void Misfit_ValueInRange_IsNone(string payload) =>
        Assert.That(LabelPayloads.Misfit(Measurement, Json(payload), "annotation"), Is.Null);

    [TestCase("""{ "value": -0.1 }""", "annotation.value")]
    [TestCase("""{ "value": 100.5 }""", "annotation.value")]
    [TestCase("""{ "value": "12" }""", "annotation.value")]
    [TestCase("""{ "value": 1e400 }""", "annotation.value")]
    [TestCase("""{ "value": null }""", "annotation.value")]
    [TestCase("""{ "value": 1, "unit": "cm" }""", "annotation")]
    public void Misfit_MeasurementOutsideSchema_NamesTheField(string payload, string field) =>
        Assert.That(LabelPayloads.Misfit(Measurement, Json(payload), "annotation")?.Field, Is.EqualTo(field));

    [Test]
    public void Display_IsReadable() => Assert.Multiple(() =>
    {
        Assert.That(LabelPayloads.Display("multilabel", Json("""{ "labels": ["a", "b"] }""")), Is.EqualTo("a;b"));
        Assert.That(LabelPayloads.Display("measurement", Json("""{ "value": 12.5 }""")), Is.EqualTo("12.5"));
        Assert.That(LabelPayloads.Display("classification", Json("""{ "label": "nodule" }""")), Is.EqualTo("nodule"));
    });

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
