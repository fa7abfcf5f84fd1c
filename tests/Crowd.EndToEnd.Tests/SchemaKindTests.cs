using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's multilabel and measurement kinds, end to end through the gateway: schema and payload validation, consensus
/// (accept, or QA), gold tasks, results as JSON and CSV, agreement, and each worker paid once from a balanced ledger.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class SchemaKindTests
{
    private static readonly string[] Classes = ["effusion", "nodule", "fracture"];

    private static readonly object MultilabelSchema = new { kind = "multilabel", classes = Classes };
    private static readonly object MeasurementSchema = new { kind = "measurement", unit = "mm", min = 0, max = 100, tolerance = 1 };

    [Test]
    public async Task Multilabel_TwoWorkersAgree_ResultsShowThePresentClassesInSchemaOrder_AndEachWorkerIsPaidOnce()
    {
        // Two workers agreeing on a class, each of reliability a: a² / (a² + (1 − a)²) ≥ 0.9 for every class. New workers
        // (a = 0.8): 16/17 ≈ 0.94. Each decided task teaches both of them they were right on its three classes (a third
        // of an answer each), and consensus handles the three tasks' annotations concurrently, so case-0 may be decided
        // after none, one or both of the others: a = 4/5, 5/6 or 6/7, confidence 16/17, 25/26 or 36/37.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 2, min: 2, max: 3, change: body =>
        {
            body["labelSchema"] = MultilabelSchema;
            body["goldItems"] = new[] { new { externalId = "gold-0", contentUri = "dicomweb://pacs.test/gold/0", truth = new { labels = new[] { "fracture" } } } };
        });
        var first = await WorkerAsync(qualification);
        var second = await WorkerAsync(qualification);
        await AnnotateAllAsync(first, 3, uri => uri switch
        {
            "dicomweb://pacs.test/studies/0" => new { labels = new[] { "nodule", "effusion" } },
            "dicomweb://pacs.test/studies/1" => new { labels = Array.Empty<string>() },
            _ => (object)new { labels = new[] { "fracture" } },
        });
        await AnnotateAllAsync(second, 3, uri => uri switch
        {
            "dicomweb://pacs.test/studies/0" => new { labels = new[] { "effusion", "nodule" } },
            "dicomweb://pacs.test/studies/1" => new { labels = Array.Empty<string>() },
            _ => (object)new { labels = new[] { "fracture" } },
        });

        await WaitForBatchAsync(requester, batchId, "completed");
        var results = await ResultsAsync(requester, batchId);
        Assert.That(results.Keys, Is.EquivalentTo(new[] { "case-0", "case-1" }), "the gold task is never in the results");
        Assert.That(results["case-0"].GetProperty("label").GetProperty("labels").EnumerateArray().Select(l => l.GetString()),
            Is.EqualTo(new[] { "effusion", "nodule" }));
        Assert.That(results["case-1"].GetProperty("label").GetProperty("labels").GetArrayLength(), Is.Zero);
        Assert.That(results["case-0"].GetProperty("confidence").GetDouble(), Is.EqualTo(16.0 / 17).Within(1e-9)
            .Or.EqualTo(25.0 / 26).Within(1e-9).Or.EqualTo(36.0 / 37).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("agreement").GetDouble(), Is.EqualTo(1.0));
        Assert.That(results["case-0"].GetProperty("source").GetString(), Is.EqualTo("consensus"));
        Assert.That(await CsvLabelsAsync(requester, batchId), Is.EquivalentTo(new[] { "effusion;nodule", "" }));

        var agreement = await requester.GetAsync($"/v1/batches/{batchId}/agreement");
        Assert.That(agreement.GetProperty("fleissKappa").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("krippendorffAlpha").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("perClass").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("goldAccuracy").GetDouble()), Is.EqualTo(new[] { 1.0, 1.0 }));

        await PaidOnceAsync(first, 3);
        await PaidOnceAsync(second, 3);
        await LedgerBalancedAsync();
    }

    [Test]
    public async Task Measurement_MedianWithinTolerance_IsAccepted_ADisagreementGoesToQa_AndAQaValueFinalizesIt()
    {
        // case-0: 12.0, 12.5, 20 → median 12.5, two of three within 1 mm: 2/3 ≥ 0.6, accepted.
        // case-1: 10, 30, 50 → median 30, one of three within 1 mm: at redundancy.max 3 it goes to QA.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 2, min: 3, max: 3, change: body =>
        {
            body["labelSchema"] = MeasurementSchema;
            body["acceptance"] = new { threshold = 0.6 };
            body["goldItems"] = new[] { new { externalId = "gold-0", contentUri = "dicomweb://pacs.test/gold/0", truth = new { value = 12 } } };
        });
        var values = new[] { (12.0, 10.0, 12.0), (12.5, 30.0, 12.0), (20.0, 50.0, 13.5) };
        var workers = new List<CrowdClient>();
        foreach (var (accepted, disputed, gold) in values)
        {
            var worker = await WorkerAsync(qualification);
            workers.Add(worker);
            await AnnotateAllAsync(worker, 3, uri => new
            {
                value = uri switch { "dicomweb://pacs.test/studies/0" => accepted, "dicomweb://pacs.test/studies/1" => disputed, _ => gold },
            });
        }

        var qa = As("qa");
        var disagreement = await OnlyDisagreementAsync(qa, batchId);
        Assert.That(disagreement.GetProperty("candidate").GetProperty("value").GetDouble(), Is.EqualTo(30));
        var id = disagreement.GetProperty("disagreementId").GetString();

        foreach (var (label, field) in new (object, string)[] { (new { value = "31" }, "label.value"), (new { label = "nodule" }, "label"), (new { value = 101 }, "label.value") })
        {
            using var refused = await qa.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label });
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), field);
            Assert.That((await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        }

        await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { value = 31 }, note = "measured again" },
            expected: [HttpStatusCode.Accepted]);

        await WaitForBatchAsync(requester, batchId, "completed");
        var results = await ResultsAsync(requester, batchId);
        Assert.That(results["case-0"].GetProperty("label").GetProperty("value").GetDouble(), Is.EqualTo(12.5));
        Assert.That(results["case-0"].GetProperty("confidence").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("agreement").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-9));
        Assert.That(results["case-0"].GetProperty("source").GetString(), Is.EqualTo("consensus"));
        Assert.That(results["case-1"].GetProperty("label").GetProperty("value").GetDouble(), Is.EqualTo(31));
        Assert.That(results["case-1"].GetProperty("source").GetString(), Is.EqualTo("qa"));
        Assert.That(results["case-1"].GetProperty("agreement").GetDouble(), Is.EqualTo(1.0 / 3).Within(1e-9), "30 is within 1 mm of 31");
        Assert.That(await CsvLabelsAsync(requester, batchId), Is.EquivalentTo(new[] { "12.5", "31" }));

        var agreement = await requester.GetAsync($"/v1/batches/{batchId}/agreement");
        Assert.That(agreement.GetProperty("fleissKappa").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("krippendorffAlpha").ValueKind, Is.EqualTo(JsonValueKind.Number), "interval alpha");
        Assert.That(agreement.GetProperty("perClass").ValueKind, Is.EqualTo(JsonValueKind.Null));

        foreach (var worker in workers)
        {
            await PaidOnceAsync(worker, 3);
        }

        await LedgerBalancedAsync();
        // Measurements teach reliability by tolerance: the first worker was within 1 mm on case-0 (12.0 of 12.5) and the
        // gold item (12.0 of 12), not on case-1 (10 of QA's 31).
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(correct - 4) FROM worker_reliability WHERE worker_id = '{workers[0].Subject}'"), Is.EqualTo(2));
        Assert.That(await ScalarAsync("Consensus", $"SELECT round(incorrect - 1) FROM worker_reliability WHERE worker_id = '{workers[0].Subject}'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Multilabel_Disagreement_IsResolvedByQaWithASubsetOfTheClasses()
    {
        // One new worker's 0.8 cannot reach 0.9: at redundancy.max 1 the task goes to QA.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1, change: body => body["labelSchema"] = MultilabelSchema);
        var worker = await WorkerAsync(qualification);
        await AnnotateAllAsync(worker, 1, _ => new { labels = new[] { "nodule" } });
        var qa = As("qa");
        var id = (await OnlyDisagreementAsync(qa, batchId)).GetProperty("disagreementId").GetString();

        using (var refused = await qa.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { labels = new[] { "nodule", "nodule" } } }))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That((await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("label.labels"));
        }

        await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { labels = new[] { "nodule", "fracture" } } },
            expected: [HttpStatusCode.Accepted]);
        await WaitForBatchAsync(requester, batchId, "completed");
        var result = (await ResultsAsync(requester, batchId))["case-0"];
        Assert.That(result.GetProperty("label").GetProperty("labels").EnumerateArray().Select(l => l.GetString()), Is.EqualTo(new[] { "nodule", "fracture" }));
        Assert.That(result.GetProperty("source").GetString(), Is.EqualTo("qa"));
        Assert.That(result.GetProperty("agreement").GetDouble(), Is.Zero, "{nodule} is not the set {nodule, fracture}");
        await PaidOnceAsync(worker, 1);
        await LedgerBalancedAsync();
    }

    [TestCase("""{ "kind": "measurement", "min": 0, "max": 10 }""", "labelSchema.unit")]
    [TestCase("""{ "kind": "measurement", "unit": "", "min": 0, "max": 10 }""", "labelSchema.unit")]
    [TestCase("""{ "kind": "measurement", "unit": "mm", "min": 10, "max": 10 }""", "labelSchema.max")]
    [TestCase("""{ "kind": "measurement", "unit": "mm", "tolerance": 0 }""", "labelSchema.tolerance")]
    [TestCase("""{ "kind": "measurement", "unit": "mm", "classes": ["a"] }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "multilabel" }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "multilabel", "classes": ["a", "a"] }""", "labelSchema.classes")]
    [TestCase("""{ "kind": "polygon", "classes": ["a"] }""", "labelSchema.kind")]
    public Task SubmitBatch_BadSchema_Is400NamingTheField_AndCreatesNothing(string schema, string field) => SchemaRefusedAsync(schema, field);

    [TestCase("""{ "kind": "measurement", "unit": "mm", "min": 0, "max": 10 }""", """{ "value": 11 }""", "goldItems[0].truth.value")]
    [TestCase("""{ "kind": "multilabel", "classes": ["a", "b"] }""", """{ "labels": ["c"] }""", "goldItems[0].truth.labels")]
    [TestCase("""{ "kind": "multilabel", "classes": ["a", "b"] }""", """{ "label": "a" }""", "goldItems[0].truth")]
    public async Task SubmitBatch_GoldTruthOutsideSchema_Is400NamingTheField_AndCreatesNothing(string schema, string truth, string field)
    {
        var requester = As("requester");
        var body = Batch();
        body["labelSchema"] = JsonDocument.Parse(schema).RootElement;
        body["goldItems"] = new[] { new { externalId = "gold-0", contentUri = "dicomweb://pacs.test/gold/0", truth = JsonDocument.Parse(truth).RootElement } };

        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That((await requester.GetAsync("/v1/batches")).GetProperty("items").GetArrayLength(), Is.Zero);
    }

    [TestCase("multilabel", """{ "labels": ["tumour"] }""", "annotation.labels")]
    [TestCase("multilabel", """{ "labels": ["nodule", "nodule"] }""", "annotation.labels")]
    [TestCase("multilabel", """{ "labels": "nodule" }""", "annotation.labels")]
    [TestCase("measurement", """{ "value": 100.5 }""", "annotation.value")]
    [TestCase("measurement", """{ "value": "12.5" }""", "annotation.value")]
    [TestCase("measurement", """{ "labels": [] }""", "annotation")]
    public Task Submit_PayloadOutsideSchema_Is422NamingTheField_StoresNothing_AndTheClaimStaysOpen(string kind, string payload, string field) =>
        kind == "multilabel"
            ? PayloadRefusedAsync(MultilabelSchema, payload, field, new { labels = new[] { "nodule" } })
            : PayloadRefusedAsync(MeasurementSchema, payload, field, new { value = 12.5 });
}
