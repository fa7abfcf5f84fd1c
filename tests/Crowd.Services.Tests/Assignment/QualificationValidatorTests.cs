using System.Text.Json;
using Crowd.Assignment.Api;
using Crowd.Labels;
using Crowd.ServiceDefaults.Validation;
using FluentValidation.Results;

namespace Crowd.Services.Tests.Assignment;

public sealed class QualificationValidatorTests
{
    private static readonly QualificationValidator Validator = new();

    [Test]
    public void Validate_SoundDefinition_HasNoErrors() =>
        Assert.That(Validator.Validate(Definition(2, Item(0, """{ "label": "nodule" }"""), Item(1, """{ "label": "no-nodule" }"""))).IsValid, Is.True);

    [Test]
    public void Validate_FewerItemsThanQuestions_IsRefusedNamingItems()
    {
        var errors = Errors(Validator.Validate(Definition(3, Item(0, """{ "label": "nodule" }"""))));
        Assert.That(errors.Keys, Is.EqualTo(new[] { "items" }));
        Assert.That(errors["items"].Single().ErrorCode, Is.EqualTo(ValidationFilter.Unprocessable));
    }

    [Test]
    public void Validate_TruthOutsideTheSchema_NamesItsField()
    {
        var errors = Errors(Validator.Validate(Definition(1, Item(0, """{ "label": "fracture" }"""))));
        Assert.That(errors.Keys, Is.EqualTo(new[] { "items[0].truth.label" }));
        Assert.That(errors.Values.Single().Single().ErrorCode, Is.Not.EqualTo(ValidationFilter.Unprocessable));
    }

    [Test]
    public void Validate_BoxOnASliceTheSeriesHasNot_IsRefusedNamingTheSlice()
    {
        var request = Definition(1, Item(0, """{ "boxes": [ { "label": "nodule", "x": 1, "y": 1, "w": 2, "h": 2, "slice": 30 } ] }""") with { SliceCount = 30 }) with
        {
            LabelSchema = new LabelSchemaSpec { Kind = "bbox", Classes = ["nodule"] },
        };
        var errors = Errors(Validator.Validate(request));
        Assert.That(errors.Keys, Is.EqualTo(new[] { "items[0].truth.boxes[0].slice" }));
        Assert.That(errors.Values.Single().Single().ErrorCode, Is.EqualTo(ValidationFilter.Unprocessable));
    }

    [Test]
    public void Validate_UnknownKindAndMissingNumbers_NamesEach()
    {
        var request = new QualificationRequest { LabelSchema = new LabelSchemaSpec { Kind = "polygon" }, Items = [Item(0, """{ "label": "nodule" }""")] };
        Assert.That(Errors(Validator.Validate(request)).Keys,
            Is.SupersetOf(new[] { "labelSchema.kind", "questionCount", "passAccuracy", "retakeAfterHours" }));
    }

    [TestCase(0.0)]
    [TestCase(1.01)]
    public void Validate_PassAccuracyOutsideZeroToOne_NamesIt(double passAccuracy) =>
        Assert.That(Errors(Validator.Validate(Definition(1, Item(0, """{ "label": "nodule" }""")) with { PassAccuracy = passAccuracy })).Keys,
            Is.EqualTo(new[] { "passAccuracy" }));

    private static QualificationRequest Definition(int questionCount, params ExamItemSpec[] items) => new()
    {
        LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["nodule", "no-nodule"] },
        QuestionCount = questionCount,
        PassAccuracy = 0.9,
        RetakeAfterHours = 24,
        Items = items,
    };

    private static ExamItemSpec Item(int i, string truth) => new()
    {
        ExternalId = $"gold-{i}",
        ContentUri = $"dicomweb://pacs.test/exam/{i}",
        Truth = JsonDocument.Parse(truth).RootElement,
    };

    private static Dictionary<string, List<ValidationFailure>> Errors(ValidationResult result) =>
        result.Errors.GroupBy(e => ValidationFilter.FieldPath(e.PropertyName)).ToDictionary(g => g.Key, g => g.ToList());
}
