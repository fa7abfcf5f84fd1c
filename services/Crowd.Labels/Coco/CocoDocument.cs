using System.Globalization;
using System.Text.Json.Serialization;
using Crowd.Labels.Stitching;

namespace Crowd.Labels.Coco;

/// <summary>
/// A COCO detection document (cocodataset.org "Data format": <c>images</c>, <c>categories</c>, <c>annotations</c>). The
/// member names are COCO's own (snake_case), whatever naming policy the serializer is given.
/// </summary>
public sealed record CocoDocument(
    [property: JsonPropertyName("images")] IReadOnlyList<CocoImage> Images,
    [property: JsonPropertyName("categories")] IReadOnlyList<CocoCategory> Categories,
    [property: JsonPropertyName("annotations")] IReadOnlyList<CocoAnnotation> Annotations);

public sealed record CocoImage(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height);

public sealed record CocoCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name);

/// <summary>
/// One box or mask: <c>bbox</c> [x, y, w, h] in pixels, <c>area</c> (the box's, or the mask's foreground pixels),
/// <c>segmentation</c> (uncompressed RLE) for masks only. <c>iscrowd</c> is 0: each mask is one class's region as the
/// crowd drew it, and pycocotools reads an uncompressed RLE whatever iscrowd says, while iscrowd 1 would make evaluation
/// ignore the region.
/// </summary>
public sealed record CocoAnnotation(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("category_id")] int CategoryId,
    [property: JsonPropertyName("bbox")] IReadOnlyList<double> Bbox,
    [property: JsonPropertyName("area")] double Area,
    [property: JsonPropertyName("iscrowd")] int IsCrowd,
    [property: JsonPropertyName("segmentation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CocoRle? Segmentation);

/// <summary>One item's images and annotations, ready to be written (streamed) into a document.</summary>
public sealed record CocoItem(IReadOnlyList<CocoImage> Images, IReadOnlyList<CocoAnnotation> Annotations);

/// <summary>
/// Stitched items to COCO (API.md <c>format=coco</c>): categories 1..n in schema order; one image per item, or per slice of
/// a series (<c>file_name</c> = contentUri + <c>#slice=N</c>); boxes as <c>bbox</c>, masks as uncompressed RLE. Only bbox
/// and segmentation items have annotations. Item by item, so an export streams in bounded memory.
/// </summary>
public static class CocoExport
{
    /// <summary>The schema's classes as categories, ids 1..n in schema order.</summary>
    public static IReadOnlyList<CocoCategory> Categories(LabelSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Classes.Select((name, i) => new CocoCategory(i + 1, name)).ToList();
    }

    /// <summary>
    /// One item's images and annotations, numbered on from <paramref name="firstImageId"/> and
    /// <paramref name="firstAnnotationId"/> (the caller keeps the counters across items). A series (an item with a slice
    /// count) has one image per slice, 0 to sliceCount − 1; anything drawn without a slice on it (a whole-series task) goes
    /// on one more image for the whole item, made only when needed. An unknown size is written as 0.
    /// </summary>
    public static CocoItem Item(
        string contentUri, ItemShape item, LabelSchema schema, StitchedItem stitched, long firstImageId, long firstAnnotationId)
    {
        ArgumentNullException.ThrowIfNull(contentUri);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(stitched);
        int width = item.Width ?? 0, height = item.Height ?? 0;
        var images = new List<CocoImage>();
        if (item.SliceCount is { } slices)
        {
            for (var s = 0; s < slices; s++)
            {
                images.Add(new CocoImage(firstImageId + s, $"{contentUri}#slice={s.ToString(CultureInfo.InvariantCulture)}", width, height));
            }
        }

        long? wholeItem = null;
        long ImageOf(int? slice)
        {
            if (slice is { } s && item.SliceCount is { } count && s < count)
            {
                return firstImageId + s;
            }

            if (wholeItem is null)
            {
                wholeItem = firstImageId + images.Count;
                images.Add(new CocoImage(wholeItem.Value, contentUri, width, height));
            }

            return wholeItem.Value;
        }

        var annotations = new List<CocoAnnotation>();
        var categories = schema.Classes.Select((name, i) => (name, id: i + 1)).ToDictionary(c => c.name, c => c.id, StringComparer.Ordinal);
        if (schema.Kind == LabelPayloads.Bbox)
        {
            foreach (var finding in stitched.Findings)
            {
                foreach (var box in finding.Boxes)
                {
                    annotations.Add(new CocoAnnotation(
                        firstAnnotationId + annotations.Count, ImageOf(box.Slice), categories[finding.Label],
                        [box.X, box.Y, box.W, box.H], box.W * box.H, 0, null));
                }
            }
        }
        else if (schema.Kind == LabelPayloads.Segmentation && stitched.Label is { } label)
        {
            foreach (var (key, mask) in MaskShape.Masks(label))
            {
                var coco = CocoMasks.Encode(mask);
                annotations.Add(new CocoAnnotation(
                    firstAnnotationId + annotations.Count, ImageOf(key.Slice), categories[key.Label], coco.Bbox, coco.Area, 0, coco.Segmentation));
            }
        }

        if (item.SliceCount is null && annotations.Count == 0)
        {
            ImageOf(null); // every item is an image, found or not
        }

        return new CocoItem(images, annotations);
    }

    /// <summary>A whole document of <paramref name="items"/> (content URI, shape, stitched labels), ids from 1.</summary>
    public static CocoDocument Document(LabelSchema schema, IEnumerable<(string ContentUri, ItemShape Item, StitchedItem Stitched)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var images = new List<CocoImage>();
        var annotations = new List<CocoAnnotation>();
        foreach (var (contentUri, item, stitched) in items)
        {
            var coco = Item(contentUri, item, schema, stitched, images.Count + 1, annotations.Count + 1);
            images.AddRange(coco.Images);
            annotations.AddRange(coco.Annotations);
        }

        return new CocoDocument(images, Categories(schema), annotations);
    }
}
