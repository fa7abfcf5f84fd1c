using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 9's model pre-annotations through the gateway (API.md item <c>prediction</c>): the same six-item batch, worked
/// by careful workers, once without predictions and once with an accurate model's. Redundancy 1 to 3, threshold 0.9:
/// one new worker's answer (reliability 0.8) is not enough, two are
/// (0.8 · 0.8 against 0.2 · 0.2: 0.94); the model is one more voter (0.8 as new), so one human and the model are enough.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class PredictionTests
{
    private const int Items = 6;

    [Test]
    public async Task AnAccurateModelsPredictions_LeaveOneHumanAnnotationPerItem_AndResultsSayTheModelAgreed()
    {
        var model = $"e2e-model-{Guid.NewGuid():N}"[..20];
        var (withoutRequester, without) = await WorkBatchAsync(prediction: null);
        var (withRequester, with) = await WorkBatchAsync(prediction: i => new { model, label = new { label = TruthOf(i) }, score = 0.93 });

        var humansWithout = (await withoutRequester.GetAsync($"/v1/batches/{without}")).GetProperty("annotationCount").GetInt32();
        var humansWith = (await withRequester.GetAsync($"/v1/batches/{with}")).GetProperty("annotationCount").GetInt32();
        // Without the model an item needs two new workers; a worker judged right five times (Beta(9, 1): 0.9) decides
        // alone, which the order of claims may allow once or twice. With it, every item takes one worker.
        Assert.That(humansWith, Is.EqualTo(Items), "one careful worker per item with the model");
        Assert.That(humansWithout, Is.InRange(Items + 2, Items * 2), "about two careful workers per item without a model");

        var withResults = await ResultsAsync(withRequester, with);
        Assert.That(withResults.Values.Select(r => r.GetProperty("label").GetProperty("label").GetString()),
            Is.EquivalentTo(Enumerable.Range(0, Items).Select(TruthOf)));
        Assert.That(withResults.Values.Select(r => r.GetProperty("modelAgrees").GetBoolean()), Is.All.True);
        Assert.That(withResults.Values.Select(r => r.GetProperty("annotationCount").GetInt32()), Is.All.EqualTo(1), "the model counts no annotation");
        Assert.That((await ResultsAsync(withoutRequester, without)).Values.Select(r => r.GetProperty("modelAgrees").ValueKind),
            Is.All.EqualTo(JsonValueKind.Null));
        await LedgerBalancedAsync();
    }

    [Test]
    public async Task APrediction_ThatDoesNotFitTheSchema_OrOnATiledBatch_IsRefusedNamingIt()
    {
        var requester = As("requester");
        var body = Batch(items: 2);
        body["items"] = new object[]
        {
            new { externalId = "a", contentUri = "dicomweb://pacs.test/a", prediction = new { model = "m", label = new { label = "polyp" }, score = 0.5 } },
            new { externalId = "b", contentUri = "dicomweb://pacs.test/b", prediction = new { model = "", label = new { label = "nodule" }, score = 1.5 } },
        };
        using var refused = await requester.SendAsync(HttpMethod.Post, "/v1/batches", body);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.That(errors, Is.SupersetOf(new[] { "items[0].prediction.label.label", "items[1].prediction.model", "items[1].prediction.score" }));

        body["slicing"] = new { mode = "tiles", tileSize = 256, overlap = 0 };
        body["items"] = new object[]
        {
            new { externalId = "a", contentUri = "dicomweb://pacs.test/a", width = 512, height = 512, prediction = new { model = "m", label = new { label = "nodule" }, score = 0.5 } },
        };
        using var tiled = await requester.SendAsync(HttpMethod.Post, "/v1/batches", body);
        Assert.That(tiled.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(tiled)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("items[0].prediction"));
    }

    private static string TruthOf(int item) => item % 2 == 0 ? "nodule" : "no-nodule";

    /// <summary>Opens the batch, then four fresh careful workers claim in turn and answer right until it completes.</summary>
    private static async Task<(CrowdClient Requester, Guid BatchId)> WorkBatchAsync(Func<int, object>? prediction)
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: Items, min: 1, max: 3, change: body =>
        {
            body["items"] = Enumerable.Range(0, Items).Select(i => new Dictionary<string, object?>
            {
                ["externalId"] = $"case-{i}", ["contentUri"] = $"dicomweb://pacs.test/studies/{i}", ["prediction"] = prediction?.Invoke(i),
            }).ToArray();
        });
        var workers = new List<CrowdClient>();
        for (var w = 0; w < 4; w++)
        {
            workers.Add(await WorkerAsync(qualification));
        }

        var deadline = Stopwatch.StartNew();
        while ((await requester.GetAsync($"/v1/batches/{batchId}")).GetProperty("status").GetString() != "completed")
        {
            Assert.That(deadline.Elapsed, Is.LessThan(Arrival), "the batch completes");
            foreach (var worker in workers)
            {
                var claim = await worker.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims", expected: [HttpStatusCode.Created, HttpStatusCode.NoContent]);
                if (claim is { } task)
                {
                    var uri = task.GetProperty("content").GetProperty("contentUri").GetString()!;
                    var item = int.Parse(uri[(uri.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{task.GetProperty("claimId").GetString()}/submission",
                        new { annotation = new { label = TruthOf(item) } }, expected: [HttpStatusCode.Accepted]);
                }
            }

            await Task.Delay(100);
        }

        return (requester, batchId);
    }
}
