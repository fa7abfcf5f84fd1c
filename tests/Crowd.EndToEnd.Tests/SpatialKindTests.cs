using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's bbox and segmentation kinds, end to end through the gateway: schema and payload validation, consensus
/// (accept, or QA), results as JSON and CSV, and each worker paid once from a balanced ledger.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class SpatialKindTests
{
    private static readonly string[] Classes = ["nodule", "mass"];

    internal static readonly object BboxSchema = new { kind = "bbox", classes = Classes };

    internal static readonly object SegmentationSchema = new { kind = "segmentation", classes = Classes, diceThreshold = 0.9 };

    private static object Mask(string label, params int[] rle) => new { label, width = 4, height = 4, rle };

    internal static object Box(string label, double x, double y, double w, double h) => new { label, x, y, w, h };

    [Test]
    public async Task Bbox_MatchingBoxesAreFused_ADisagreementGoesToQa_AndQaBoxesFinalizeIt_AndEachWorkerIsPaidOnce()
    {
        // case-0: (0, 0, 10, 10) and (2, 0, 10, 10), IoU 80 / 120 = 2/3 ≥ 0.5: fused to their mean (1, 0, 10, 10), each member's
        //         IoU with it 90 / 110 = 9/11; both match it one to one: share 1, accepted.
        // case-1: (0, 0, 10, 10) and (5, 0, 10, 10), IoU 50 / 150 = 1/3: no box has a majority, nobody agrees: QA at max 2.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 2, min: 2, max: 2, change: body => body["labelSchema"] = BboxSchema);
        var first = await WorkerAsync(qualification);
        var second = await WorkerAsync(qualification);
        await AnnotateAllAsync(first, 2, _ => new { boxes = new[] { Box("nodule", 0, 0, 10, 10) } });
        await AnnotateAllAsync(second, 2, uri => new
        {
            boxes = new[] { uri == "dicomweb://pacs.test/studies/0" ? Box("nodule", 2, 0, 10, 10) : Box("nodule", 5, 0, 10, 10) },
        });

        var qa = As("qa");
        var disagreement = await OnlyDisagreementAsync(qa, batchId);
        Assert.That(disagreement.GetProperty("candidate").GetProperty("boxes").GetArrayLength(), Is.Zero);
        var id = disagreement.GetProperty("disagreementId").GetString();
        await ResolveAfterRefusalAsync(qa, id, new { boxes = new[] { Box("nodule", 0, 0, 0, 10) } }, "label.boxes[0].w", new { boxes = new[] { Box("nodule", 1, 0, 10, 10) } });

        await WaitForBatchAsync(requester, batchId, "completed");
        var results = await ResultsAsync(requester, batchId);
        var fused = results["case-0"].GetProperty("label").GetProperty("boxes").EnumerateArray().Single();
        Assert.That(new[] { "x", "y", "w", "h" }.Select(f => fused.GetProperty(f).GetDouble()), Is.EqualTo(new[] { 1.0, 0, 10, 10 }));
        Assert.That(fused.GetProperty("support").GetInt32(), Is.EqualTo(2));
        Assert.That(results["case-0"].GetProperty("confidence").GetDouble(), Is.EqualTo(1.0));
        Assert.That(results["case-0"].GetProperty("agreement").GetDouble(), Is.EqualTo(9.0 / 11).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("source").GetString(), Is.EqualTo("consensus"));
        Assert.That(results["case-1"].GetProperty("source").GetString(), Is.EqualTo("qa"));
        // (0, 0, 10, 10) against (1, 0, 10, 10): IoU 9/11, matched; (5, 0, 10, 10): 50 / 150, not: one of two agrees.
        Assert.That(results["case-1"].GetProperty("agreement").GetDouble(), Is.EqualTo(0.5));
        Assert.That(await CsvLabelsAsync(requester, batchId), Is.EquivalentTo(new[] { "nodule×1", "nodule×1" }));

        var agreement = await requester.GetAsync($"/v1/batches/{batchId}/agreement");
        Assert.That(agreement.GetProperty("fleissKappa").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("krippendorffAlpha").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("agreementWithConsensus").GetDouble()), Is.EquivalentTo(new[] { 1.0, 0.5 }));

        await PaidOnceAsync(first, 2);
        await PaidOnceAsync(second, 2);
        await LedgerBalancedAsync();
        // Boxes teach reliability by matching: the first worker's boxes matched the final ones twice (case-1's QA boxes are
        // (1, 0, 10, 10)), the second's once (case-1's (5, 0, 10, 10) against (1, 0, 10, 10): IoU 60 / 140 = 0.43).
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(correct - 4) FROM worker_reliability WHERE worker_id = '{first.Subject}'"), Is.EqualTo(2));
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(incorrect - 1) FROM worker_reliability WHERE worker_id = '{second.Subject}'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Bbox_AWorkerDrawingBoxesWhereNothingIs_IsSuspended_AndTheCarefulOnesAreNot()
    {
        // Three annotations a task, accepted at 2 of 3 (threshold 0.6). Two careful workers draw the finding, their boxes
        // IoU 380 / 420 = 0.90 apart, fused; the third draws a box elsewhere on every item (IoU 0 with the fused one), so
        // each of its boxes is judged wrong. From the new-worker prior, the seventh wrong answer makes consensus 98 % sure its
        // accuracy is under the 60 % floor (ReliabilityLearningTests): suspended, as a worker clicking random classes is.
        const int items = 9;
        var (requester, batchId, qualification) = await OpenBatchAsync(items, min: 3, max: 3, change: body =>
        {
            body["labelSchema"] = BboxSchema;
            body["acceptance"] = new { threshold = 0.6 };
        });
        var careful = await WorkerAsync(qualification);
        var careless = await WorkerAsync(qualification);
        var alsoCareful = await WorkerAsync(qualification);

        await AnnotateAllAsync(careful, items, _ => new { boxes = new[] { Box("nodule", 10, 10, 20, 20) } });
        await AnnotateAllAsync(careless, items, uri => new { boxes = new[] { Box("mass", 60 + uri.Length % 7, 60, 10, 10) } });
        await AnnotateAllAsync(alsoCareful, items, _ => new { boxes = new[] { Box("nodule", 11, 10, 20, 20) } });
        await WaitForBatchAsync(requester, batchId, "completed");

        var admin = As("admin");
        // Suspension and reliability are separate messages: wait for the profile to show both (Beta(4, 1 + 9): nine wrong boxes).
        await Eventually.WaitForAsync(
            () => admin.GetAsync($"/v1/workers/{careless.Subject}"),
            p => p.GetProperty("status").GetString() == "suspended"
                && p.GetProperty("reliability") is { ValueKind: JsonValueKind.Number } r && Math.Abs(r.GetDouble() - (4.0 / 14)) < 1e-9,
            Arrival, "the careless box drawer suspended, at reliability 4/14");
        var trace = (await AuditTests.EventsAsync($"subjectId={careless.Subject}", e => e.Any(x => x.Action == "worker.suspended")))
            .Single(e => e.Action == "worker.suspended");
        Assert.That((trace.Role, trace.SubjectType), Is.EqualTo(("system", "worker")));
        Assert.That(trace.Detail, Does.Contain("under the floor"), "the reason consensus gave");
        foreach (var worker in new[] { careful, alsoCareful })
        {
            var profile = await Eventually.WaitForAsync(
                () => admin.GetAsync($"/v1/workers/{worker.Subject}"), p => p.GetProperty("reliability").ValueKind == JsonValueKind.Number, Arrival,
                "the careful worker's reliability");
            Assert.That(profile.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(profile.GetProperty("reliability").GetDouble(), Is.GreaterThan(0.8), "Beta(4 + 9, 1): nine matching boxes");
        }

        var results = await ResultsAsync(requester, batchId);
        Assert.That(results.Values.Select(r => r.GetProperty("label").GetProperty("boxes").EnumerateArray().Single().GetProperty("label").GetString()),
            Is.All.EqualTo("nodule"), "the careless boxes never outvoted the careful ones");
    }

    [Test]
    public async Task Segmentation_PerPixelMajority_WithTheSchemasDiceThreshold_ADisagreementGoesToQa_AndAQaMaskFinalizesIt()
    {
        // 4 × 4 images, pixels 0..15 row-major.
        // case-0: {0, 1, 4, 5} twice and {0, 1, 2, 4, 5}: the majority is {0, 1, 4, 5}; the third's Dice 2·4/(5+4) = 8/9 is under
        //         the schema's 0.9 (the default 0.8 would let it agree): share 2/3 ≥ 0.6, accepted. Mean pairwise Dice
        //         (1 + 8/9 + 8/9) / 3 = 25/27.
        // case-1: {0, 1, 4, 5}, {10, 11, 14, 15} and nothing: no pixel has a majority, only the empty answer agrees: 1/3, QA.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 2, min: 3, max: 3, change: body =>
        {
            body["labelSchema"] = SegmentationSchema;
            body["acceptance"] = new { threshold = 0.6 };
        });
        var answers = new[]
        {
            (Mask("nodule", 0, 2, 4, 2), Mask("nodule", 0, 2, 4, 2)),
            (Mask("nodule", 0, 2, 4, 2), Mask("nodule", 10, 2, 14, 2)),
            (Mask("nodule", 0, 3, 4, 2), null),
        };
        var workers = new List<CrowdClient>();
        foreach (var (accepted, disputed) in answers)
        {
            var worker = await WorkerAsync(qualification);
            workers.Add(worker);
            await AnnotateAllAsync(worker, 2, uri => new
            {
                masks = (uri == "dicomweb://pacs.test/studies/0" ? accepted : disputed) is { } mask ? new[] { mask } : [],
            });
        }

        var qa = As("qa");
        var disagreement = await OnlyDisagreementAsync(qa, batchId);
        Assert.That(disagreement.GetProperty("candidate").GetProperty("masks").GetArrayLength(), Is.Zero);
        var id = disagreement.GetProperty("disagreementId").GetString();
        await ResolveAfterRefusalAsync(qa, id, new { masks = new[] { Mask("nodule", 4, 2, 0, 2) } }, "label.masks[0].rle", new { masks = new[] { Mask("nodule", 0, 2, 4, 2) } });

        await WaitForBatchAsync(requester, batchId, "completed");
        var results = await ResultsAsync(requester, batchId);
        var mask = results["case-0"].GetProperty("label").GetProperty("masks").EnumerateArray().Single();
        Assert.That(mask.GetProperty("label").GetString(), Is.EqualTo("nodule"));
        Assert.That(mask.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()), Is.EqualTo(new[] { 0, 2, 4, 2 }));
        Assert.That(results["case-0"].GetProperty("confidence").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("agreement").GetDouble(), Is.EqualTo(25.0 / 27).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("source").GetString(), Is.EqualTo("consensus"));
        Assert.That(results["case-1"].GetProperty("source").GetString(), Is.EqualTo("qa"));
        Assert.That(results["case-1"].GetProperty("agreement").GetDouble(), Is.EqualTo(1.0 / 3).Within(1e-9), "only the first worker's mask is QA's");
        Assert.That(await CsvLabelsAsync(requester, batchId), Is.EquivalentTo(new[] { "nodule=4px", "nodule=4px" }));

        foreach (var worker in workers)
        {
            await PaidOnceAsync(worker, 2);
        }

        await LedgerBalancedAsync();
        // Masks teach reliability by Dice: the first worker's masks reached 0.9 against the final ones on both items (case-1's
        // QA mask is its own), the third's on neither (8/9 on case-0, nothing against QA's mask on case-1).
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(correct - 4) FROM worker_reliability WHERE worker_id = '{workers[0].Subject}'"), Is.EqualTo(2));
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(incorrect - 1) FROM worker_reliability WHERE worker_id = '{workers[2].Subject}'"), Is.EqualTo(2));
    }

    [TestCase("segmentation", """{ "masks": [ { "label": "nodule", "width": 4, "height": 4, "rle": [0, 2, 1, 2] } ] }""", "annotation.masks[0].rle")]
    [TestCase("segmentation", """{ "masks": [ { "label": "nodule", "width": 4, "height": 4, "rle": [15, 2] } ] }""", "annotation.masks[0].rle")]
    [TestCase("segmentation", """{ "masks": [ { "label": "nodule", "width": 0, "height": 4, "rle": [] } ] }""", "annotation.masks[0].width")]
    [TestCase("segmentation", """{ "masks": [ { "label": "mass", "width": 4, "height": 4, "rle": [] }, { "label": "mass", "width": 4, "height": 4, "rle": [] } ] }""", "annotation.masks[1].label")]
    [TestCase("bbox", """{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 0, "h": 10 } ] }""", "annotation.boxes[0].w")]
    [TestCase("bbox", """{ "boxes": [ { "label": "tumour", "x": 0, "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].label")]
    [TestCase("bbox", """{ "boxes": [ { "label": "mass", "x": 0, "y": -2, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].y")]
    [TestCase("bbox", """{ "labels": [] }""", "annotation")]
    public Task Submit_PayloadOutsideSchema_Is422NamingTheField_StoresNothing_AndTheClaimStaysOpen(string kind, string payload, string field) =>
        PayloadRefusedAsync(Kinds[kind].Schema, payload, field, JsonDocument.Parse(Kinds[kind].Valid).RootElement);

    [Test]
    public async Task Submit_BoxOutsideTheTasksSliceWindow_Is422NamingTheSlice_StoresNothing_AndASliceInsideIsTaken()
    {
        // A 10-slice series in windows of 4: [0, 4), [4, 8), [8, 10). Whichever the worker gets, its `to` is outside it.
        var (_, _, qualification) = await OpenBatchAsync(items: 1, change: body =>
        {
            body["labelSchema"] = BboxSchema;
            body["slicing"] = new { mode = "slice-window", window = 4, stride = 4 };
            body["items"] = new[] { new { externalId = "series-0", contentUri = "dicomweb://pacs.test/studies/s0", sliceCount = 10 } };
        });
        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        var window = claim.GetProperty("content").GetProperty("slice");
        var claimId = claim.GetProperty("claimId").GetString();
        object On(int slice) => new { boxes = new[] { new { label = "nodule", x = 1, y = 1, w = 5, h = 5, slice } } };

        await SubmissionRefusedAsync(worker, claimId, On(window.GetProperty("to").GetInt32()), "annotation.boxes[0].slice");
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = On(window.GetProperty("from").GetInt32()) })),
            Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Submit_MaskOfTheItemsSizeOnATile_Is422NamingTheWidth_StoresNothing_AndATileSizedMaskIsTaken()
    {
        // A 100 × 60 image in 64-pixel tiles: (0, 0, 64, 60) and (64, 0, 36, 60).
        var (_, _, qualification) = await OpenBatchAsync(items: 1, change: body =>
        {
            body["labelSchema"] = SegmentationSchema;
            body["slicing"] = new { mode = "tiles", tileSize = 64, overlap = 0 };
            body["items"] = new[] { new { externalId = "slide-0", contentUri = "s3://slides/slide-0.svs", width = 100, height = 60 } };
        });
        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        var tile = claim.GetProperty("content").GetProperty("tile");
        var claimId = claim.GetProperty("claimId").GetString();
        object Sized(int width, int height) => new { masks = new[] { new { label = "nodule", width, height, rle = new[] { 0, 1 } } } };

        await SubmissionRefusedAsync(worker, claimId, Sized(100, 60), "annotation.masks[0].width");
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = Sized(tile.GetProperty("w").GetInt32(), tile.GetProperty("h").GetInt32()) })),
            Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Segmentation_OnASliceWindow_MasksPerSliceAreDecidedAndKeepTheirSlices()
    {
        // One task, slices [0, 2); one annotator (min = max = 1): its masks on slices 0 and 1 are the final label.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body =>
        {
            body["labelSchema"] = SegmentationSchema;
            body["slicing"] = new { mode = "slice-window", window = 2, stride = 2 };
            body["items"] = new[] { new { externalId = "series-0", contentUri = "dicomweb://pacs.test/studies/s0", sliceCount = 2 } };
        });
        var worker = await WorkerAsync(qualification);
        await AnnotateAllAsync(worker, 1, _ => new
        {
            masks = new[] { new { label = "nodule", width = 4, height = 4, rle = new[] { 0, 2 }, slice = 0 }, new { label = "nodule", width = 4, height = 4, rle = new[] { 5, 1 }, slice = 1 } },
        });

        await WaitForBatchAsync(requester, batchId, "completed");
        var masks = (await ResultsAsync(requester, batchId))["series-0"].GetProperty("label").GetProperty("masks").EnumerateArray()
            .Select(m => (m.GetProperty("slice").GetInt32(), m.GetProperty("rle").EnumerateArray().Select(r => r.GetInt32()).ToArray()));
        Assert.That(masks, Is.EqualTo(new[] { (0, new[] { 0, 2 }), (1, new[] { 5, 1 }) }));
    }

    [Test]
    public async Task Resolve_BoxOutsideTheTasksSliceWindow_Is422NamingTheSlice_AndAFittingOneFinalizesTheTask()
    {
        // One task, slices [0, 4). (0, 0, 10, 10) and (5, 0, 10, 10) on slice 1: IoU 50 / 150 = 1/3, no majority: QA at max 2.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 2, max: 2, change: body =>
        {
            body["labelSchema"] = BboxSchema;
            body["slicing"] = new { mode = "slice-window", window = 4, stride = 4 };
            body["items"] = new[] { new { externalId = "series-0", contentUri = "dicomweb://pacs.test/studies/s0", sliceCount = 4 } };
        });
        object On(int slice, double x) => new { boxes = new[] { new { label = "nodule", x, y = 0.0, w = 10.0, h = 10.0, slice } } };
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => On(1, 0));
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => On(1, 5));

        var qa = As("qa");
        var id = (await OnlyDisagreementAsync(qa, batchId)).GetProperty("disagreementId").GetString();
        await ResolveAfterRefusalAsync(qa, id, On(4, 0), "label.boxes[0].slice", On(1, 0));

        await WaitForBatchAsync(requester, batchId, "completed");
        Assert.That((await ResultsAsync(requester, batchId))["series-0"].GetProperty("source").GetString(), Is.EqualTo("qa"));
    }

    private static async Task SubmissionRefusedAsync(CrowdClient worker, string? claimId, object annotation, string field)
    {
        using var refused = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation });

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That(await ScalarAsync("Assignment", $"SELECT count(*) FROM annotations WHERE claim_id = '{claimId}'"), Is.Zero);
    }

    [TestCase("""{ "kind": "bbox" }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "segmentation" }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "segmentation", "classes": ["a"], "diceThreshold": 0 }""", "labelSchema.diceThreshold")]
    [TestCase("""{ "kind": "segmentation", "classes": ["a"], "diceThreshold": 1.5 }""", "labelSchema.diceThreshold")]
    [TestCase("""{ "kind": "bbox", "classes": ["a", "a"] }""", "labelSchema.classes")]
    public Task SubmitBatch_BadSchema_Is400NamingTheField_AndCreatesNothing(string schema, string field) => SchemaRefusedAsync(schema, field);

    /// <summary>Each kind's schema, and a payload that fits it.</summary>
    private static readonly Dictionary<string, (object Schema, string Valid)> Kinds = new()
    {
        ["bbox"] = (BboxSchema, """{ "boxes": [] }"""),
        ["segmentation"] = (SegmentationSchema, """{ "masks": [] }"""),
    };
}
