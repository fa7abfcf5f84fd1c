using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Labels.Coco;
using Crowd.Labels.Stitching;

namespace Crowd.Labels.Tests.Coco;

public sealed class CocoExportTests
{
    private static readonly LabelSchema Bbox = new("bbox", ["mass", "nodule"]);

    [Test]
    public void Categories_AreNumberedFromOneInSchemaOrder() =>
        Assert.That(CocoExport.Categories(Bbox), Is.EqualTo(new[] { new CocoCategory(1, "mass"), new CocoCategory(2, "nodule") }));

    [Test]
    public void Item_Series_HasOneImagePerSlice_AndEachBoxOnItsSlicesImage()
    {
        var stitched = ItemStitcher.Stitch(new ItemShape(64, 32, 3), Bbox,
            [new TaskLabel(new SliceRange(0, 3), null, Json("""{ "boxes": [ { "label": "nodule", "x": 1, "y": 2, "w": 3, "h": 4, "slice": 2 } ] }"""), 1)]);

        var coco = CocoExport.Item("dicomweb://pacs/s/1", new ItemShape(64, 32, 3), Bbox, stitched, firstImageId: 10, firstAnnotationId: 100);

        Assert.That(coco.Images, Is.EqualTo(new[]
        {
            new CocoImage(10, "dicomweb://pacs/s/1#slice=0", 64, 32), new CocoImage(11, "dicomweb://pacs/s/1#slice=1", 64, 32),
            new CocoImage(12, "dicomweb://pacs/s/1#slice=2", 64, 32),
        }));
        var annotation = coco.Annotations.Single();
        Assert.That((annotation.Id, annotation.ImageId, annotation.CategoryId, annotation.Area, annotation.IsCrowd, annotation.Segmentation),
            Is.EqualTo((100L, 12L, 2, 12.0, 0, (CocoRle?)null)));
        Assert.That(annotation.Bbox, Is.EqualTo(new double[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void Document_Segmentation_WritesCocosOwnNames_AndTheMaskAsColumnMajorRle()
    {
        // The 3 × 2 mask {1, 3, 4} (0 1 0 / 1 1 0): counts [1, 3, 2], area 3, bbox [0, 0, 2, 2] (CocoMasksTests).
        var schema = new LabelSchema("segmentation", ["lesion"]);
        var item = new ItemShape(3, 2, null);
        var stitched = ItemStitcher.Stitch(item, schema,
            [new TaskLabel(null, null, Json("""{ "masks": [ { "label": "lesion", "width": 3, "height": 2, "rle": [1, 1, 3, 2] } ] }"""), 1)]);

        var json = JsonSerializer.Serialize(CocoExport.Document(schema, [("s3://bucket/a.png", item, stitched)]), JsonSerializerOptions.Web);

        Assert.That(json, Is.EqualTo("""
            {"images":[{"id":1,"file_name":"s3://bucket/a.png","width":3,"height":2}],"categories":[{"id":1,"name":"lesion"}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2],"area":3,"iscrowd":0,"segmentation":{"size":[2,3],"counts":[1,3,2]}}]}
            """));
    }

    [Test]
    public void Document_ItemsWithoutFindings_AreStillImages_NumberedOn()
    {
        var empty = ItemStitcher.Stitch(new ItemShape(8, 8, null), Bbox, [new TaskLabel(null, null, Json("""{ "boxes": [] }"""), 1)]);

        var document = CocoExport.Document(Bbox, [("a", new ItemShape(8, 8, null), empty), ("b", new ItemShape(8, 8, null), empty)]);

        Assert.That(document.Images.Select(i => (i.Id, i.FileName)), Is.EqualTo(new[] { (1L, "a"), (2L, "b") }));
        Assert.That(document.Annotations, Is.Empty);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
