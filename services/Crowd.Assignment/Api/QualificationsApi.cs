using System.Text.Json;
using System.Text.Json.Serialization;
using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Data;
using Crowd.Labels;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Validation;
using FluentValidation;
using FluentValidation.Results;

namespace Crowd.Assignment.Api;

/// <summary><c>PUT /v1/qualifications/{name}</c>: value types nullable, so that a missing field is named rather than 0.</summary>
public sealed record QualificationRequest
{
    public LabelSchemaSpec? LabelSchema { get; init; }
    public int? QuestionCount { get; init; }
    public double? PassAccuracy { get; init; }
    public int? RetakeAfterHours { get; init; }
    public IReadOnlyList<ExamItemSpec>? Items { get; init; }
}

/// <summary>A gold item of the exam, like a batch's gold item: a whole item and its truth.</summary>
public sealed record ExamItemSpec
{
    public string? ExternalId { get; init; }
    public string? ContentUri { get; init; }
    public int? SliceCount { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public JsonElement? Truth { get; init; }
}

public sealed class QualificationValidator : AbstractValidator<QualificationRequest>
{
    public const int MaxQuestions = 100;
    public const int MaxItems = 1000;

    public QualificationValidator()
    {
        // A schema is held to the same rules as a batch's.
        RuleFor(q => q.LabelSchema).NotNull().DependentRules(() =>
        {
            RuleFor(q => q.LabelSchema!.Kind).NotEmpty()
                .Must(kind => LabelSchemaRules.ByKind.ContainsKey(kind!))
                .WithMessage($"Must be one of: {string.Join(", ", LabelSchemaRules.ByKind.Keys)}.");
            RuleFor(q => q.LabelSchema!).SetValidator((_, schema) => LabelSchemaRules.For(schema.Kind));
        });
        RuleFor(q => q.QuestionCount).NotNull().InclusiveBetween(1, MaxQuestions);
        RuleFor(q => q.PassAccuracy).NotNull().GreaterThan(0).LessThanOrEqualTo(1);
        RuleFor(q => q.RetakeAfterHours).NotNull().InclusiveBetween(0, 24 * 365);
        RuleFor(q => q.Items).NotEmpty()
            .Must(items => items!.Count <= MaxItems).WithMessage($"At most {MaxItems} items.")
            .Must(items => items!.Select(i => i.ExternalId).Distinct(StringComparer.Ordinal).Count() == items!.Count)
            .WithMessage("Each externalId must be unique.");
        // Enough items for one exam is a refusal of a well-formed definition, not a shape error.
        RuleFor(q => q.Items!.Count).GreaterThanOrEqualTo(q => q.QuestionCount!.Value).OverridePropertyName("Items")
            .When(q => q.Items is { Count: > 0 } && q.QuestionCount is > 0 and <= MaxQuestions)
            .WithMessage("At least questionCount items are needed.")
            .WithErrorCode(ValidationFilter.Unprocessable);
        RuleForEach(q => q.Items).Cascade(CascadeMode.Continue).SetValidator(new ItemValidator());
        // A truth is checked as a worker's answer to the question would be, once the schema itself is sound.
        RuleForEach(q => q.Items).Custom((item, context) =>
        {
            if (Schema(context.InstanceToValidate) is not { } schema || item.Truth is not { } truth)
            {
                return;
            }

            if (LabelPayloads.Misfit(schema, truth, "truth") is var (field, message))
            {
                context.AddFailure(field, message); // FluentValidation puts items[i] in front
            }
            else if (item.SliceCount is null or > 0
                     && TaskGeometry.Misfit(schema.Kind, truth, ExamItem.Slices(item.SliceCount), null, "truth") is var (where, why))
            {
                context.AddFailure(new ValidationFailure($"{context.PropertyPath}.{where}", why) { ErrorCode = ValidationFilter.Unprocessable });
            }
        });
    }

    /// <summary>The schema as payloads are checked against it, or null while it is itself invalid.</summary>
    public static LabelSchema? Schema(QualificationRequest request) => LabelSchemaRules.Sound(request.LabelSchema);

    private sealed class ItemValidator : AbstractValidator<ExamItemSpec>
    {
        public ItemValidator()
        {
            RuleFor(i => i.ExternalId).NotEmpty().MaximumLength(200);
            RuleFor(i => i.ContentUri).NotEmpty().MaximumLength(2048)
                .Must(uri => Uri.TryCreate(uri, UriKind.Absolute, out _)).WithMessage("Must be an absolute URI.");
            RuleFor(i => i.SliceCount).GreaterThan(0);
            RuleFor(i => i.Width).GreaterThan(0);
            RuleFor(i => i.Height).GreaterThan(0);
            RuleFor(i => i.Truth).NotNull();
        }
    }
}

public sealed record QualificationView(string Name, int Version, JsonElement LabelSchema, int QuestionCount, double PassAccuracy, int RetakeAfterHours, int ItemCount);

public static class QualificationsApi
{
    public static IEndpointRouteBuilder MapQualificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/qualifications", Roles.Admin).WithTags("Qualifications").MapPut("/{name}", PutAsync);
        return app;
    }

    /// <summary>Defines the qualification's exam as a new version; attempts in progress keep the questions they started with.</summary>
    private static async Task<IResult> PutAsync(string name, QualificationRequest request, Database database, TimeProvider time)
    {
        if (name.Length > 64 || string.IsNullOrWhiteSpace(name))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["Must be 1 to 64 characters."] });
        }

        var exam = ToDomain(name, request);
        await using var work = await database.BeginAsync();
        var version = await work.DefineAsync(exam, time.GetUtcNow());
        await work.CommitAsync();
        return TypedResults.Ok(new QualificationView(
            name, version, exam.LabelSchema, exam.QuestionCount, exam.PassAccuracy, exam.RetakeAfterHours, exam.Items.Count));
    }

    /// <summary>The schema as a batch's is stored and shown: camelCase, absent fields left out.</summary>
    private static readonly JsonSerializerOptions StoredSchema = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static QualificationExam ToDomain(string name, QualificationRequest request) => new(
        name,
        JsonSerializer.SerializeToElement(request.LabelSchema!, StoredSchema),
        request.QuestionCount!.Value,
        request.PassAccuracy!.Value,
        request.RetakeAfterHours!.Value,
        request.Items!.Select(i => new ExamItem(i.ExternalId!, i.ContentUri!, i.SliceCount, i.Width, i.Height, i.Truth!.Value.Clone())).ToList());
}
