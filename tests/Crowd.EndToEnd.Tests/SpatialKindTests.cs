using System.Net;
using System.Text.Json;
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

    private static readonly object BboxSchema = new { kind = "bbox", classes = Classes };

    private static object Box(string label, double x, double y, double w, double h) => new { label, x, y, w, h };

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
        using (var refused = await qa.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { boxes = new[] { Box("nodule", 0, 0, 0, 10) } } }))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That((await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("label.boxes[0].w"));
        }

        await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { boxes = new[] { Box("nodule", 1, 0, 10, 10) } }, note = "read again" },
            expected: [HttpStatusCode.Accepted]);

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
        Assert.That(await ScalarAsync("Consensus", $"SELECT count(*) FROM worker_reliability WHERE worker_id = '{first.Subject}'"), Is.Zero, "boxes teach no one-coin reliability");
    }

    [TestCase("bbox", """{ "boxes": [ { "label": "nodule", "x": 0, "y": 0, "w": 0, "h": 10 } ] }""", "annotation.boxes[0].w")]
    [TestCase("bbox", """{ "boxes": [ { "label": "tumour", "x": 0, "y": 0, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].label")]
    [TestCase("bbox", """{ "boxes": [ { "label": "mass", "x": 0, "y": -2, "w": 1, "h": 1 } ] }""", "annotation.boxes[0].y")]
    [TestCase("bbox", """{ "labels": [] }""", "annotation")]
    public async Task Submit_PayloadOutsideSchema_Is422NamingTheField_StoresNothing_AndTheClaimStaysOpen(string kind, string payload, string field)
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, change: body => body["labelSchema"] = Kinds[kind].Schema);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId").GetString();

        using var wrong = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = JsonDocument.Parse(payload).RootElement });

        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await ProblemAsync(wrong)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That(await ScalarAsync("Assignment", $"SELECT count(*) FROM annotations WHERE claim_id = '{claimId}'"), Is.Zero);
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = JsonDocument.Parse(Kinds[kind].Valid).RootElement })),
            Is.EqualTo(HttpStatusCode.Accepted));
    }

    [TestCase("""{ "kind": "bbox" }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "bbox", "classes": ["a", "a"] }""", "labelSchema.classes")]
    public async Task SubmitBatch_BadSchema_Is400NamingTheField_AndCreatesNothing(string schema, string field)
    {
        var requester = As("requester");
        var body = Batch();
        body["labelSchema"] = JsonDocument.Parse(schema).RootElement;

        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That((await requester.GetAsync("/v1/batches")).GetProperty("items").GetArrayLength(), Is.Zero);
    }

    /// <summary>Each kind's schema, and a payload that fits it.</summary>
    private static readonly Dictionary<string, (object Schema, string Valid)> Kinds = new()
    {
        ["bbox"] = (BboxSchema, """{ "boxes": [] }"""),
    };
}
