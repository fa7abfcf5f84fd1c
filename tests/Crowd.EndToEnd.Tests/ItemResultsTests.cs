using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md item results, end to end through the gateway: a CT series cut into overlapping slice windows and a whole-slide
/// image cut into tiles come back as one answer per item, in item coordinates: boxes merged across window and tile borders,
/// 3D findings, masks placed and unioned, and the same items as JSON lines, CSV and one COCO document.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ItemResultsTests
{
    private static object Box(string label, int x, int y, int w, int h, int? slice = null) =>
        slice is null ? new { label, x, y, w, h } : new { label, x, y, w, h, slice };

    [Test]
    public async Task CtSeries_LesionAcrossOverlappingWindows_IsOneFindingOverItsSlices_PendingUntilEveryWindowIsFinal()
    {
        // 20 slices in windows of 8 every 6: [0, 8), [6, 14), [12, 20). A nodule on slices 5-8 crosses the first border: the
        // first window sees it on 5, 6, 7 at (10, 10, 20, 20), the second on 6, 7, 8 one pixel column pair to the right, at
        // (12, 10, 20, 20). On 6 and 7 the two overlap by 18 × 20 = 360 of the smaller's 400 (0.9 ≥ 0.5): one box, their union
        // (10, 10, 22, 20). Consecutive slices overlap with IoU 400 / 440 ≥ 0.3: one finding, slices 5 to 8, union box
        // (10, 10, 22, 20), six task boxes behind it. A mass on 15-16 in the last window only is a second finding.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body =>
        {
            body["labelSchema"] = new { kind = "bbox", classes = new[] { "nodule", "mass" } };
            body["slicing"] = new { mode = "slice-window", window = 8, stride = 6 };
            body["items"] = new[] { new { externalId = "ct-1", contentUri = "dicomweb://pacs.test/studies/ct-1/series/1", sliceCount = 20, width = 512, height = 512 } };
        });
        var worker = await WorkerAsync(qualification);
        var answers = new Dictionary<int, object[]>
        {
            [0] = [Box("nodule", 10, 10, 20, 20, 5), Box("nodule", 10, 10, 20, 20, 6), Box("nodule", 10, 10, 20, 20, 7)],
            [6] = [Box("nodule", 12, 10, 20, 20, 6), Box("nodule", 12, 10, 20, 20, 7), Box("nodule", 12, 10, 20, 20, 8)],
            [12] = [Box("mass", 100, 100, 30, 30, 15), Box("mass", 100, 100, 30, 30, 16)],
        };

        await AnswerAsync(worker, claim => answers[claim.GetProperty("content").GetProperty("slice").GetProperty("from").GetInt32()], count: 2);
        var pending = await Eventually.WaitForAsync(
            () => OnlyItemAsync(requester, batchId), i => i.GetProperty("finalTaskCount").GetInt32() == 2, KindSteps.Arrival, "two final windows");
        Assert.That(pending.GetProperty("status").GetString(), Is.EqualTo("pending"));
        Assert.That(pending.GetProperty("taskCount").GetInt32(), Is.EqualTo(3));
        Assert.That(pending.GetProperty("label").ValueKind, Is.EqualTo(JsonValueKind.Null));

        await AnswerAsync(worker, claim => answers[claim.GetProperty("content").GetProperty("slice").GetProperty("from").GetInt32()], count: 1);
        await WaitForBatchAsync(requester, batchId, "completed");
        var item = await OnlyItemAsync(requester, batchId);
        Assert.That(item.GetProperty("status").GetString(), Is.EqualTo("final"));
        Assert.That(item.GetProperty("externalId").GetString(), Is.EqualTo("ct-1"));
        var findings = item.GetProperty("findings").EnumerateArray().ToList();
        Assert.That(findings, Has.Count.EqualTo(2));

        var nodule = findings[0];
        Assert.That(nodule.GetProperty("label").GetString(), Is.EqualTo("nodule"));
        Assert.That((nodule.GetProperty("sliceFrom").GetInt32(), nodule.GetProperty("sliceTo").GetInt32()), Is.EqualTo((5, 8)));
        Assert.That(Rect(nodule.GetProperty("box")), Is.EqualTo(new[] { 10.0, 10, 22, 20 }));
        Assert.That(nodule.GetProperty("support").GetInt32(), Is.EqualTo(6));
        Assert.That(nodule.GetProperty("boxes").EnumerateArray().Select(b => (b.GetProperty("slice").GetInt32(), string.Join(",", Rect(b)))), Is.EqualTo(new[]
        {
            (5, "10,10,20,20"), (6, "10,10,22,20"), (7, "10,10,22,20"), (8, "12,10,20,20"),
        }));

        var mass = findings[1];
        Assert.That(mass.GetProperty("label").GetString(), Is.EqualTo("mass"));
        Assert.That((mass.GetProperty("sliceFrom").GetInt32(), mass.GetProperty("sliceTo").GetInt32()), Is.EqualTo((15, 16)));
        Assert.That(Rect(mass.GetProperty("box")), Is.EqualTo(new[] { 100.0, 100, 30, 30 }));
        Assert.That(mass.GetProperty("support").GetInt32(), Is.EqualTo(2));
        Assert.That(item.GetProperty("label").GetProperty("boxes").GetArrayLength(), Is.EqualTo(6), "the merged boxes, one per class and slice here");

        // COCO: one image per slice of the series, categories 1..n in schema order, one annotation per finding box.
        var coco = await JsonAsync(requester, $"/v1/batches/{batchId}/items?format=coco");
        Assert.That(coco.GetProperty("categories").EnumerateArray().Select(c => (c.GetProperty("id").GetInt32(), c.GetProperty("name").GetString())),
            Is.EqualTo(new[] { (1, "nodule"), (2, "mass") }));
        var images = coco.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt64(), i => i.GetProperty("file_name").GetString());
        Assert.That(images, Has.Count.EqualTo(20));
        Assert.That(images.Values, Does.Contain("dicomweb://pacs.test/studies/ct-1/series/1#slice=0").And.Contain("dicomweb://pacs.test/studies/ct-1/series/1#slice=19"));
        var annotations = coco.GetProperty("annotations").EnumerateArray()
            .Select(a => (File: images[a.GetProperty("image_id").GetInt64()], Category: a.GetProperty("category_id").GetInt32(), Bbox: string.Join(",", a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble())), Area: a.GetProperty("area").GetDouble()))
            .ToList();
        Assert.That(annotations, Has.Count.EqualTo(6));
        Assert.That(annotations, Does.Contain(("dicomweb://pacs.test/studies/ct-1/series/1#slice=6", 1, "10,10,22,20", 440.0)));
        Assert.That(annotations, Does.Contain(("dicomweb://pacs.test/studies/ct-1/series/1#slice=16", 2, "100,100,30,30", 900.0)));
    }

    [Test]
    public async Task WholeSlideImage_LesionOnATileBorder_IsOneBoxInSlideCoordinates()
    {
        // 200 × 100 pixels in tiles of 100 overlapping by 20: tiles at x = 0, 80 and 160 (the last 40 wide). A lesion at
        // (90, 40, 20, 20) in the slide: the first tile sees its left half, (90, 40, 10, 20) in tile pixels; the second all of
        // it, at (10, 40, 20, 20) from its corner, (90, 40, 20, 20) in the slide. The smaller lies wholly inside the larger
        // (share 1 ≥ 0.5): one finding, their union (90, 40, 20, 20), two task boxes behind it, no slices.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body =>
        {
            body["modality"] = "WSI";
            body["labelSchema"] = new { kind = "bbox", classes = new[] { "tumour" } };
            body["slicing"] = new { mode = "tiles", tileSize = 100, overlap = 20 };
            body["items"] = new[] { new { externalId = "wsi-1", contentUri = "s3://slides.test/wsi-1.svs", width = 200, height = 100 } };
        });
        var worker = await WorkerAsync(qualification);
        await AnswerAsync(worker, claim => claim.GetProperty("content").GetProperty("tile").GetProperty("x").GetInt32() switch
        {
            0 => [Box("tumour", 90, 40, 10, 20)],
            80 => [Box("tumour", 10, 40, 20, 20)],
            _ => [],
        }, count: 3);

        await WaitForBatchAsync(requester, batchId, "completed");
        var item = await OnlyItemAsync(requester, batchId);
        var finding = item.GetProperty("findings").EnumerateArray().Single();
        Assert.That(finding.GetProperty("label").GetString(), Is.EqualTo("tumour"));
        Assert.That(Rect(finding.GetProperty("box")), Is.EqualTo(new[] { 90.0, 40, 20, 20 }));
        Assert.That(finding.GetProperty("sliceFrom").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(finding.GetProperty("support").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public async Task SegmentationOnTiles_MasksArePlacedInTheImageAndUnioned_AndCocoRunsAreColumnMajor()
    {
        // A 32 × 16 image in two 16 × 16 tiles. The first tile's mask covers its pixels (15, 1) and (15, 2), runs
        // [31, 1, 47, 1]; the second's its (0, 1) and (0, 2), runs [16, 1, 32, 1], which are (16, 1) and (16, 2) in the image.
        // In the image, row-major: row 1 from 32 + 15 = 47 two pixels, row 2 from 64 + 15 = 79 two pixels: [47, 2, 79, 2].
        // COCO counts go down columns (index x · 16 + y): the pixels are 241, 242, 257 and 258, so 241 background, 2 on,
        // 14 off, 2 on, and the 253 left of 512: [241, 2, 14, 2, 253]; area 4, bbox [15, 1, 2, 2].
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body =>
        {
            body["labelSchema"] = new { kind = "segmentation", classes = new[] { "lesion" } };
            body["slicing"] = new { mode = "tiles", tileSize = 16, overlap = 0 };
            body["items"] = new[] { new { externalId = "img-1", contentUri = "s3://slides.test/img-1.png", width = 32, height = 16 } };
        });
        var worker = await WorkerAsync(qualification);
        await AnswerAsync(worker, claim => claim.GetProperty("content").GetProperty("tile").GetProperty("x").GetInt32() == 0
            ? [new { label = "lesion", width = 16, height = 16, rle = new[] { 31, 1, 47, 1 } }]
            : [new { label = "lesion", width = 16, height = 16, rle = new[] { 16, 1, 32, 1 } }], count: 2, payloadName: "masks");

        await WaitForBatchAsync(requester, batchId, "completed");
        var mask = (await OnlyItemAsync(requester, batchId)).GetProperty("label").GetProperty("masks").EnumerateArray().Single();
        Assert.That((mask.GetProperty("width").GetInt32(), mask.GetProperty("height").GetInt32()), Is.EqualTo((32, 16)));
        Assert.That(mask.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()), Is.EqualTo(new[] { 47, 2, 79, 2 }));

        var annotation = (await JsonAsync(requester, $"/v1/batches/{batchId}/items?format=coco")).GetProperty("annotations").EnumerateArray().Single();
        Assert.That(annotation.GetProperty("segmentation").GetProperty("size").EnumerateArray().Select(v => v.GetInt32()), Is.EqualTo(new[] { 16, 32 }));
        Assert.That(annotation.GetProperty("segmentation").GetProperty("counts").EnumerateArray().Select(v => v.GetInt32()), Is.EqualTo(new[] { 241, 2, 14, 2, 253 }));
        Assert.That(annotation.GetProperty("area").GetDouble(), Is.EqualTo(4));
        Assert.That(annotation.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()), Is.EqualTo(new[] { 15.0, 1, 2, 2 }));
    }

    [TestCase(true, "malignant")]
    [TestCase(false, "normal")]
    public async Task Classification_SliceWindows_OrderedIsTheMostSevere_ElseTheMostFrequentWithTiesToTheEarlierClass(bool ordered, string expected)
    {
        // Three windows answered benign, malignant, normal: ordered classes take the most severe (malignant); unordered,
        // each class once, the tie goes to the earliest class (normal).
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body =>
        {
            body["labelSchema"] = new { kind = "classification", classes = new[] { "normal", "benign", "malignant" }, ordered };
            body["acceptance"] = new { threshold = 0.5 };
            body["slicing"] = new { mode = "slice-window", window = 10, stride = 10 };
            body["items"] = new[] { new { externalId = "mr-1", contentUri = "dicomweb://pacs.test/studies/mr-1", sliceCount = 30 } };
        });
        var worker = await WorkerAsync(qualification);
        var byWindow = new Dictionary<int, string> { [0] = "benign", [10] = "malignant", [20] = "normal" };
        for (var i = 0; i < 3; i++)
        {
            var claim = await ClaimAsync(worker);
            var label = byWindow[claim.GetProperty("content").GetProperty("slice").GetProperty("from").GetInt32()];
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = new { label } },
                expected: [HttpStatusCode.Accepted]);
        }

        await WaitForBatchAsync(requester, batchId, "completed");
        Assert.That((await OnlyItemAsync(requester, batchId)).GetProperty("label").GetProperty("label").GetString(), Is.EqualTo(expected));

        using var csv = await requester.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/items?format=csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("externalId,status,taskCount,finalTaskCount,label,confidence,findingCount,findings"));
        Assert.That(lines[1], Does.StartWith($"mr-1,final,3,3,{expected},"));

        using var jsonl = await requester.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/items?format=jsonl");
        var line = (await jsonl.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Single();
        Assert.That(JsonDocument.Parse(line).RootElement.GetProperty("label").GetProperty("label").GetString(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Items_PagedInExternalIdOrder_CursorReachesEveryItemOnce()
    {
        var (requester, batchId, _) = await OpenBatchAsync(items: 5);
        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await requester.GetAsync($"/v1/batches/{batchId}/items?limit=2{(next is null ? "" : $"&after={next}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("externalId").GetString()!));
            Assert.That(page.GetProperty("items").EnumerateArray().All(i => i.GetProperty("status").GetString() == "pending"), Is.True);
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.That(seen, Is.EqualTo(new[] { "case-0", "case-1", "case-2", "case-3", "case-4" }));
    }

    [TestCase("format=xml", "format")]
    [TestCase("after=!!!", "after")]
    [TestCase("limit=0", "limit")]
    public async Task Items_BadQuery_Is422NamingTheParameter(string query, string field)
    {
        var (requester, batchId, _) = await OpenBatchAsync(items: 1);
        using var response = await requester.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/items?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _), Is.True);
    }

    [Test]
    public async Task Items_OfAnotherRequestersBatch_Is404()
    {
        var (_, batchId, _) = await OpenBatchAsync(items: 1);
        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/items")), Is.EqualTo(HttpStatusCode.NotFound));
    }

    /// <summary>The worker claims <paramref name="count"/> tasks and answers each with the boxes (or masks) <paramref name="answer"/> gives for its claim.</summary>
    private static async Task AnswerAsync(CrowdClient worker, Func<JsonElement, object[]> answer, int count, string payloadName = "boxes")
    {
        for (var i = 0; i < count; i++)
        {
            var claim = await ClaimAsync(worker);
            var annotation = new Dictionary<string, object> { [payloadName] = answer(claim) };
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation },
                expected: [HttpStatusCode.Accepted]);
        }
    }

    private static async Task<JsonElement> OnlyItemAsync(CrowdClient requester, Guid batchId) =>
        (await requester.GetAsync($"/v1/batches/{batchId}/items")).GetProperty("items").EnumerateArray().Single();

    private static async Task<JsonElement> JsonAsync(CrowdClient requester, string path)
    {
        using var response = await requester.SendAsync(HttpMethod.Get, path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static readonly string[] Sides = ["x", "y", "w", "h"];

    private static double[] Rect(JsonElement box) => Sides.Select(f => box.GetProperty(f).GetDouble()).ToArray();
}
