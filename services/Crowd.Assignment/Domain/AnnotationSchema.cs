using System.Text.Json;
using Crowd.Labels;

namespace Crowd.Assignment.Domain;

/// <summary>Checks that a submitted annotation fits the task's label schema; returns the field and message of the first misfit.</summary>
public static class AnnotationSchema
{
    /// <summary>Each kind's payload shape is shared with slicing's gold answers and consensus's QA resolutions (<see cref="LabelPayloads"/>).</summary>
    public static (string Field, string Message)? Misfit(JsonElement schema, JsonElement? annotation) =>
        LabelPayloads.Misfit(LabelSchema.From(schema), annotation, "annotation");
}
