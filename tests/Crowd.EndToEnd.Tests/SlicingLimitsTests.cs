using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md "Limits" for tasks and the PHI gate, through the gateway: a batch too big is refused at once, naming what makes
/// it too big, and creates nothing; a big batch within the limits is stored, funded and released whole.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class SlicingLimitsTests
{
    [Test]
    public async Task SubmitBatch_FiveMillionSlicesWindowOne_Is422NamingSliceCountAtOnce()
    {
        var requester = As("requester");
        var batch = Series(requester, items: 1, sliceCount: 5_000_000);
        // The first call may pay for the processes' JIT on a busy machine; the second shows what the refusal costs.
        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, "/v1/batches", batch)), Is.EqualTo(HttpStatusCode.UnprocessableEntity));

        var clock = Stopwatch.StartNew();
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        clock.Stop();
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Fields(problem), Does.Contain("items[0].sliceCount"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "counted, not cut");
        await NothingCreatedAsync(requester);
    }

    [Test]
    public async Task SubmitBatch_ItemsWithinButBatchOverTheLimit_Is422NamingSlicing()
    {
        var requester = As("requester");
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Series(requester, items: 11, sliceCount: 100_000));
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Fields(problem), Is.EqualTo(new[] { "slicing" }));
        await NothingCreatedAsync(requester);
    }

    [Test]
    public async Task SubmitBatch_GiantTiledImage_Is422NamingWidth()
    {
        var requester = As("requester");
        var batch = Batch(items: 1);
        batch["slicing"] = new { mode = "tiles", tileSize = 16, overlap = 0 };
        batch["items"] = new[] { new { externalId = "wsi-1", contentUri = "s3://slides/wsi-1", width = int.MaxValue, height = 16 } };
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Fields(problem), Does.Contain("items[0].width"));
        await NothingCreatedAsync(requester);
    }

    [Test]
    public async Task SubmitBatch_PhiInNestedMetadata_Is422NamingEveryPath()
    {
        var requester = As("requester");
        var batch = Batch(items: 1);
        batch["items"] = JsonDocument.Parse("""
            [
              { "externalId": "a", "contentUri": "dicomweb://x/1", "metadata": { "bodyPart": "CHEST", "list": [ "ok", "DOE^JOHN" ] } },
              { "externalId": "b", "contentUri": "dicomweb://x/2", "metadata": { "dicom": { "PatientName": "ANON", "(0010,0030)": "19700101" } } },
              { "externalId": "c", "contentUri": "dicomweb://x/3", "metadata": { "series": [ { "0x00080050": "A-17" } ] } }
            ]
            """).RootElement;
        batch["goldItems"] = JsonDocument.Parse("""
            [ { "externalId": "g", "contentUri": "dicomweb://x/g", "truth": { "label": "nodule" }, "metadata": { "Referring Physician Name": "Dr X" } } ]
            """).RootElement;
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Fields(problem), Is.EquivalentTo(new[]
        {
            "items[0].metadata.list[1]",
            "items[1].metadata.dicom.PatientName",
            "items[1].metadata.dicom.(0010,0030)",
            "items[2].metadata.series[0].0x00080050",
            "goldItems[0].metadata.Referring Physician Name",
        }));
        await NothingCreatedAsync(requester);
    }

    [TestCase(0.0)]
    [TestCase(1.5)]
    [TestCase(-1.0)]
    public async Task SubmitBatch_ShareOutOfRange_Is4xxNamingIt(double share)
    {
        var requester = As("requester");
        var batch = Batch();
        batch["privacy"] = new { maxItemSharePerWorker = share };
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);

        Assert.That((int)response.StatusCode, Is.InRange(400, 499));
        Assert.That(Fields(problem), Does.Contain("privacy.maxItemSharePerWorker"));
        await NothingCreatedAsync(requester);
    }

    [Test]
    public async Task SubmitBatch_OrderedOnAMultilabelSchema_Is422NamingIt()
    {
        var requester = As("requester");
        var batch = Batch();
        batch["labelSchema"] = new { kind = "multilabel", classes = new[] { "a", "b" }, ordered = true };
        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Fields(problem), Is.EqualTo(new[] { "labelSchema.ordered" }));
        await NothingCreatedAsync(requester);
    }

    [Test]
    public async Task SubmitBatch_TwentyThousandTasks_IsFundedAndEveryTaskReachesThePool()
    {
        // 20 series × 1,000 one-slice windows: 20,000 tasks, released in chunks, each task with its item and the item's count.
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 5_000_000, reference = "big" });
        var batch = Series(requester, items: 20, sliceCount: 1_000);
        batch["privacy"] = new { maxItemSharePerWorker = 0.25 };
        // Only holders of a qualification nobody has may claim these: 20,000 open tasks must not feed other tests' workers.
        batch["requiredQualifications"] = new[] { $"q-{Guid.NewGuid():N}"[..12] };
        batch["labelSchema"] = new { kind = "classification", classes = new[] { "none", "mild", "severe" }, ordered = true };

        var accepted = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", batch, expected: HttpStatusCode.Accepted))!.Value;
        var batchId = accepted.GetProperty("batchId").GetGuid();
        Assert.That(accepted.GetProperty("taskCount").GetInt32(), Is.EqualTo(20_000));
        Assert.That(accepted.GetProperty("maxCostCents").GetInt64(), Is.EqualTo(4_400_000)); // 20,000 × (3 + 2) × 40 × 1.1

        await WaitForBatchAsync(requester, batchId, "open");
        var pooled = await Eventually.WaitForAsync(
            () => ScalarAsync("Assignment", $"SELECT count(*) FROM pool_tasks WHERE batch_id = '{batchId}'"),
            count => count == 20_000, TimeSpan.FromSeconds(90), "all 20,000 tasks in assignment's pool");
        var releasedWithItems = await ScalarAsync("Slicing", $"""
            SELECT count(*) FROM outbox, jsonb_array_elements(body->'tasks') AS t
            WHERE message_type LIKE 'Crowd.Contracts.Tasks.TasksReleased,%' AND body->>'batchId' = '{batchId}'
              AND (t->>'itemTaskCount')::int = 1000 AND t->>'itemId' IS NOT NULL AND (body->>'maxItemSharePerWorker')::float8 = 0.25
            """);
        var ordered = await ScalarTextAsync("Slicing", $"SELECT label_schema->>'ordered' FROM batches WHERE batch_id = '{batchId}'");

        Assert.That(pooled, Is.EqualTo(20_000));
        Assert.That(releasedWithItems, Is.EqualTo(20_000));
        Assert.That(ordered, Is.EqualTo("true"));
    }

    private static Dictionary<string, object?> Series(CrowdClient requester, int items, int sliceCount)
    {
        var batch = Batch(items: items);
        batch["name"] = $"Series for {requester.Subject}";
        batch["slicing"] = new { mode = "slice-window", window = 1, stride = 1 };
        batch["items"] = Enumerable.Range(0, items)
            .Select(i => new { externalId = $"series-{i}", contentUri = $"dicomweb://pacs.test/studies/{i}/series/1", sliceCount })
            .ToArray();
        return batch;
    }

    private static IEnumerable<string> Fields(JsonElement problem) => problem.GetProperty("errors").EnumerateObject().Select(e => e.Name);

    private static async Task NothingCreatedAsync(CrowdClient requester)
    {
        var batches = await requester.GetAsync("/v1/batches");
        Assert.That(batches.GetProperty("items").GetArrayLength(), Is.Zero, "a refused batch must create nothing");
    }
}
