using System.Text.Json;

namespace Crowd.Assignment.Domain;

/// <summary>Checks that a submitted annotation fits the task's label schema; returns the field and message of the first misfit.</summary>
public static class AnnotationSchema
{
    public static (string Field, string Message)? Misfit(JsonElement schema, JsonElement? annotation)
    {
        if (annotation is not { ValueKind: JsonValueKind.Object } payload)
        {
            return ("annotation", "Must be an object.");
        }

        var kind = schema.GetProperty("kind").GetString();
        return kind switch
        {
            "classification" => ClassificationMisfit(schema, payload),
            _ => ("annotation", $"Annotations of kind '{kind}' are not accepted yet."),
        };
    }

    private static (string, string)? ClassificationMisfit(JsonElement schema, JsonElement payload)
    {
        var classes = schema.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToArray();
        if (payload.EnumerateObject().Any(p => p.Name != "label"))
        {
            return ("annotation", "A classification annotation has only the field 'label'.");
        }

        return payload.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String && classes.Contains(label.GetString())
            ? null
            : ("annotation.label", $"Must be one of: {string.Join(", ", classes)}.");
    }
}
