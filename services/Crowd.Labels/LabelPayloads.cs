using System.Globalization;
using System.Text.Json;
using Crowd.Contracts.Tasks;

namespace Crowd.Labels;

/// <summary>
/// A batch's label schema as every service reads it (API.md <c>labelSchema</c>), whatever carried it. <see cref="Ordered"/>:
/// classification classes go from least to most severe (stitching takes an item's most severe task label).
/// <see cref="Tolerance"/> (measurement) and <see cref="DiceThreshold"/> (segmentation) are what <see cref="LabelAgreement"/> judges by.
/// </summary>
public sealed record LabelSchema(
    string Kind, IReadOnlyList<string> Classes, string? Unit = null, double? Min = null, double? Max = null, bool Ordered = false,
    double? Tolerance = null, double? DiceThreshold = null)
{
    public static LabelSchema From(TaskPolicy policy) =>
        new(policy.SchemaKind, policy.Classes, policy.Unit, policy.Min, policy.Max, Tolerance: policy.Tolerance, DiceThreshold: policy.DiceThreshold);

    /// <summary>Reads the stored <c>labelSchema</c> JSON; a field that is missing or null is absent.</summary>
    public static LabelSchema From(JsonElement schema) => new(
        schema.GetProperty("kind").GetString()!,
        schema.TryGetProperty("classes", out var classes) && classes.ValueKind == JsonValueKind.Array
            ? classes.EnumerateArray().Select(c => c.GetString()!).ToArray()
            : [],
        schema.TryGetProperty("unit", out var unit) && unit.ValueKind == JsonValueKind.String ? unit.GetString() : null,
        Number(schema, "min"),
        Number(schema, "max"),
        schema.TryGetProperty("ordered", out var ordered) && ordered.ValueKind == JsonValueKind.True,
        Number(schema, "tolerance"),
        Number(schema, "diceThreshold"));

    private static double? Number(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

/// <summary>
/// What an annotation payload of one schema kind looks like (API.md "Annotation payloads"). One shape per kind, shared by
/// every service that checks a payload: slicing (gold truth), assignment (submissions) and consensus (QA resolutions), so
/// the three can never disagree on what fits. A new kind (bbox, segmentation) is one more class and one more entry in
/// <see cref="LabelPayloads.Shapes"/>.
/// </summary>
public interface IPayloadShape
{
    string Kind { get; }

    /// <summary>The first misfit of an object <paramref name="payload"/>: the field (under <paramref name="root"/>) and why; null when it fits.</summary>
    (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root);

    /// <summary>The payload as one CSV cell or audit line: the class, the classes joined by ';', the number.</summary>
    string Display(JsonElement payload);
}

public static class LabelPayloads
{
    public const string Classification = "classification";
    public const string Multilabel = "multilabel";
    public const string Measurement = "measurement";
    public const string Bbox = "bbox";
    public const string Segmentation = "segmentation";

    public static IReadOnlyDictionary<string, IPayloadShape> Shapes { get; } =
        new IPayloadShape[] { new ClassificationShape(), new MultilabelShape(), new MeasurementShape(), new BoxShape(), new MaskShape() }.ToDictionary(s => s.Kind, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="payload"/> fits <paramref name="schema"/>; the misfit names the field under <paramref name="root"/>.</summary>
    public static (string Field, string Message)? Misfit(LabelSchema schema, JsonElement? payload, string root)
    {
        if (payload is not { ValueKind: JsonValueKind.Object } value)
        {
            return (root, "Must be an object.");
        }

        return Shapes.TryGetValue(schema.Kind, out var shape)
            ? shape.Misfit(schema, value, root)
            : (root, $"Annotations of kind '{schema.Kind}' are not accepted yet.");
    }

    public static string Display(string kind, JsonElement payload) =>
        Shapes.TryGetValue(kind, out var shape) ? shape.Display(payload) : payload.GetRawText();

    /// <summary>
    /// The first misfit of a list payload <c>{ "<paramref name="name"/>": [ { "label", ... } ] }</c> (boxes, masks): at most
    /// <paramref name="max"/> items, each an object with only <paramref name="fields"/> and a label from the schema's
    /// classes, then whatever <paramref name="item"/> says of it (given the item and its field).
    /// </summary>
    internal static (string, string)? ListMisfit(
        LabelSchema schema, JsonElement payload, string root, string name, string kind, IReadOnlySet<string> fields, int max,
        Func<JsonElement, string, (string, string)?> item)
    {
        if (Extra(payload, name, kind, root) is { } extra)
        {
            return extra;
        }

        var field = $"{root}.{name}";
        if (!payload.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return (field, $"Must be an array of {name} (empty when nothing was found).");
        }

        if (list.GetArrayLength() > max)
        {
            return (field, $"At most {max} {name}.");
        }

        var i = 0;
        foreach (var element in list.EnumerateArray())
        {
            var at = $"{field}[{i++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                return (at, "Must be an object.");
            }

            if (element.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !fields.Contains(n)) is { } unknown)
            {
                return ($"{at}.{unknown}", $"Each of the {name} has only the fields {string.Join(", ", fields)}.");
            }

            if (!(element.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String && schema.Classes.Contains(label.GetString())))
            {
                return ($"{at}.label", $"Must be one of: {string.Join(", ", schema.Classes)}.");
            }

            if (item(element, at) is { } misfit)
            {
                return misfit;
            }
        }

        return null;
    }

    /// <summary>Refuses any field but <paramref name="only"/>: a typo must not pass as an empty answer.</summary>
    internal static (string, string)? Extra(JsonElement payload, string only, string kind, string root) =>
        payload.EnumerateObject().Any(p => p.Name != only) ? (root, $"A {kind} annotation has only the field '{only}'.") : null;
}

/// <summary><c>{ "label": "nodule" }</c>: one of the schema's classes.</summary>
public sealed class ClassificationShape : IPayloadShape
{
    public string Kind => LabelPayloads.Classification;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root) =>
        LabelPayloads.Extra(payload, "label", Kind, root)
        ?? (payload.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String && schema.Classes.Contains(label.GetString())
            ? null
            : ($"{root}.label", $"Must be one of: {string.Join(", ", schema.Classes)}."));

    public string Display(JsonElement payload) => payload.GetProperty("label").GetString()!;
}

/// <summary><c>{ "labels": ["a", "b"] }</c>: any subset of the schema's classes, each at most once; empty means none present.</summary>
public sealed class MultilabelShape : IPayloadShape
{
    public string Kind => LabelPayloads.Multilabel;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root)
    {
        var field = $"{root}.labels";
        if (LabelPayloads.Extra(payload, "labels", Kind, root) is { } extra)
        {
            return extra;
        }

        if (!payload.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Array
            || labels.EnumerateArray().Any(l => l.ValueKind != JsonValueKind.String || !schema.Classes.Contains(l.GetString())))
        {
            return (field, $"Must be an array of classes from: {string.Join(", ", schema.Classes)}.");
        }

        var chosen = labels.EnumerateArray().Select(l => l.GetString()).ToList();
        return chosen.Distinct(StringComparer.Ordinal).Count() == chosen.Count ? null : (field, "Each class may appear at most once.");
    }

    public string Display(JsonElement payload) => string.Join(';', payload.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
}

/// <summary><c>{ "value": 12.5 }</c>: a finite number in the schema's unit, within [min, max] when the schema gives them.</summary>
public sealed class MeasurementShape : IPayloadShape
{
    public string Kind => LabelPayloads.Measurement;

    public (string Field, string Message)? Misfit(LabelSchema schema, JsonElement payload, string root)
    {
        if (LabelPayloads.Extra(payload, "value", Kind, root) is { } extra)
        {
            return extra;
        }

        // JSON has no NaN or infinity, but a number too large for a double reads as one.
        var inRange = payload.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetDouble(out var number) && double.IsFinite(number)
            && (schema.Min is not { } min || number >= min) && (schema.Max is not { } max || number <= max);
        return inRange ? null : ($"{root}.value", $"Must be a number in {schema.Unit}{Range(schema)}.");
    }

    public string Display(JsonElement payload) => payload.GetProperty("value").GetDouble().ToString("R", CultureInfo.InvariantCulture);

    private static string Range(LabelSchema schema) => (schema.Min, schema.Max) switch
    {
        ({ } min, { } max) => $" from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
        ({ } min, null) => $" of at least {min.ToString(CultureInfo.InvariantCulture)}",
        (null, { } max) => $" of at most {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "",
    };
}
