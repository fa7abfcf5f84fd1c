using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Assignment.Domain;

/// <summary>Checks that a submitted annotation fits the task's label schema and geometry; returns the field and message of the first misfit.</summary>
public static class AnnotationSchema
{
    /// <summary>
    /// Each kind's payload shape is shared with slicing's gold answers and consensus's QA resolutions (<see cref="LabelPayloads"/>);
    /// boxes and masks must then fit the task's <paramref name="slice"/> window or <paramref name="tile"/> (<see cref="TaskGeometry"/>).
    /// </summary>
    public static (string Field, string Message)? Misfit(JsonElement schema, JsonElement? annotation, SliceRange? slice, TileRegion? tile)
    {
        var labelSchema = LabelSchema.From(schema);
        return LabelPayloads.Misfit(labelSchema, annotation, "annotation")
            ?? TaskGeometry.Misfit(labelSchema.Kind, annotation!.Value, slice, tile, "annotation");
    }
}
