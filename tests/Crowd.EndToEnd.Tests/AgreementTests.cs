using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Consensus.Engine.Agreement;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// <c>GET /v1/batches/{batchId}/agreement</c> through the gateway, after a small batch with gold items has run to completion
/// with simulated workers of known accuracy; the expected statistics are the engine's, over the annotations this test
/// itself saw accepted.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class AgreementTests
{
    private const double Good = 0.95;
    private const double Poor = 0.45;
    private static readonly string[] Classes = ["nodule", "no-nodule", "unsure"];
    private MarketplaceReport _report = null!;
    private JsonElement _agreement;

    [OneTimeSetUp]
    public async Task RunBatchAsync()
    {
        var options = new MarketplaceOptions
        {
            Items = 40,
            GoldItems = 4,
            Classes = Classes,
            // Three annotations per task, and up to two more on a task the batch's revisit disputes (README, "Revisions"):
            // Fleiss' kappa is over each task's first three, the fixed number of raters it assumes.
            RedundancyMin = 3,
            RedundancyMax = 3,
            Threshold = 0.6,
            WorkerAccuracies = [Good, Good, Good, Poor, Poor, Poor],
            Timeout = TimeSpan.FromMinutes(5),
        };
        _report = await new Marketplace(Http, CrowdFixture.Crowd.Tokens, options).RunAsync();
        Assert.That(_report.Status, Is.EqualTo("completed"));
        _agreement = await As("requester", _report.RequesterId).GetAsync($"/v1/batches/{_report.BatchId}/agreement");
        TestContext.Progress.WriteLine($"agreement: {_report.Annotations} annotations in {_report.Elapsed.TotalSeconds:F1} s: {_agreement}");
    }

    [Test]
    public void Agreement_CompletedBatch_KappaAndAlphaAreTheEnginesOverTheNonGoldAnnotations()
    {
        var tasks = _report.Submissions.Where(s => !s.IsGold).GroupBy(s => s.TaskId).ToList();
        Assert.That(tasks, Has.Count.EqualTo(40));
        Assert.That(tasks.Select(t => t.Count()), Is.All.InRange(3, 5));
        var counts = new int[tasks.Count * Classes.Length];
        for (var t = 0; t < tasks.Count; t++)
        {
            foreach (var annotation in tasks[t].Take(3))
            {
                counts[(t * Classes.Length) + Array.IndexOf(Classes, annotation.Label)]++;
            }
        }

        var fleiss = FleissKappa.FromCounts(counts, Classes.Length);
        var alpha = KrippendorffAlpha.FromUnits(
            tasks.Select(t => t.Select(a => (double)Array.IndexOf(Classes, a.Label)).ToArray()).ToList(), AlphaMetric.Nominal);

        var kappa = _agreement.GetProperty("fleissKappa").GetDouble();
        var krippendorff = _agreement.GetProperty("krippendorffAlpha").GetDouble();
        Assert.That(kappa, Is.InRange(-1.0, 1.0));
        Assert.That(krippendorff, Is.InRange(-1.0, 1.0));
        Assert.That(kappa, Is.EqualTo(fleiss.Kappa).Within(1e-9));
        Assert.That(krippendorff, Is.EqualTo(alpha.Alpha).Within(1e-9));
    }

    [Test]
    public void Agreement_CompletedBatch_PerClassKappaForEachSchemaClass()
    {
        var perClass = _agreement.GetProperty("perClass").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("kappa"));

        Assert.That(perClass.Keys, Is.EquivalentTo(Classes));
        foreach (var (name, kappa) in perClass)
        {
            // Every class is some item's truth with near certainty (40 items, 3 classes), so each one's kappa is defined.
            Assert.That(kappa.GetDouble(), Is.InRange(-1.0, 1.0), name);
        }
    }

    [Test]
    public void Agreement_CompletedBatch_EveryWorkerWithTheirCountsAndGoldAccuracy()
    {
        var workers = _agreement.GetProperty("workers").EnumerateArray().ToList();
        var ids = workers.Select(w => w.GetProperty("workerId").GetString()!).ToList();
        var submitted = _report.Submissions.GroupBy(s => s.WorkerId).ToDictionary(g => g.Key, g => g.ToList());

        Assert.That(ids, Is.EquivalentTo(submitted.Keys));
        Assert.That(ids, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.Multiple(() =>
        {
            foreach (var worker in workers)
            {
                var mine = submitted[worker.GetProperty("workerId").GetString()!];
                var gold = mine.Where(s => s.IsGold).ToList();
                Assert.That(worker.GetProperty("annotationCount").GetInt32(), Is.EqualTo(mine.Count(s => !s.IsGold)));
                var goldAccuracy = worker.GetProperty("goldAccuracy");
                if (gold.Count == 0)
                {
                    Assert.That(goldAccuracy.ValueKind, Is.EqualTo(JsonValueKind.Null));
                }
                else
                {
                    Assert.That(goldAccuracy.GetDouble(), Is.EqualTo((double)gold.Count(s => s.Label == s.Truth) / gold.Count).Within(1e-9));
                }
            }
        });
    }

    [Test]
    public void Agreement_CompletedBatch_BetterWorkersAgreeMoreWithConsensus()
    {
        var accuracy = _report.Workers.ToDictionary(w => w.WorkerId, w => w.Accuracy);
        var agreement = _agreement.GetProperty("workers").EnumerateArray()
            .Where(w => w.GetProperty("annotationCount").GetInt32() > 0)
            .ToLookup(w => accuracy[w.GetProperty("workerId").GetString()!], w => w.GetProperty("agreementWithConsensus").GetDouble());

        Assert.That(agreement[Good].Count(), Is.EqualTo(3));
        Assert.That(agreement[Poor], Is.Not.Empty);
        // The groups, not every pair: with 4 gold items a poor worker can answer its one or two gold tasks right by luck,
        // earn consensus's trust and carry wrong labels with it (seen once: 0.90 for a 45 % worker against 0.89 for a 95 %
        // one). Revisiting decisions once reliabilities settle is issue 9's work; this test keeps the ordering on average.
        Assert.That(agreement[Good].Average(), Is.GreaterThan(agreement[Poor].Average()));
    }

    [Test]
    public async Task Agreement_OfAnotherRequestersBatchOrAnUnknownOne_Is404()
    {
        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Get, $"/v1/batches/{_report.BatchId}/agreement")),
            Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(As("requester", _report.RequesterId).SendAsync(HttpMethod.Get, $"/v1/batches/{Guid.NewGuid()}/agreement")),
            Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Agreement_AsAdmin_Is200()
    {
        Assert.That(await StatusAsync(As("admin").SendAsync(HttpMethod.Get, $"/v1/batches/{_report.BatchId}/agreement")), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Agreement_AsWorker_Is403()
    {
        Assert.That(await StatusAsync(As("worker").SendAsync(HttpMethod.Get, $"/v1/batches/{_report.BatchId}/agreement")), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Agreement_WithoutToken_Is401()
    {
        Assert.That(await StatusAsync(Http.GetAsync(new Uri($"/v1/batches/{_report.BatchId}/agreement", UriKind.Relative))), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Agreement_BatchWithoutAnnotations_AnswersNullStatistics()
    {
        var (requester, batchId, _) = await OpenBatchAsync();
        // Consensus learns the owner from BatchSubmitted beside payouts, which funds the batch: almost always first, not always.
        var agreement = (await Eventually.WaitForAsync(
            () => requester.CallAsync(HttpMethod.Get, $"/v1/batches/{batchId}/agreement", expected: [HttpStatusCode.OK, HttpStatusCode.NotFound]),
            a => a?.TryGetProperty("workers", out _) == true, TimeSpan.FromSeconds(30), $"the agreement of batch {batchId}"))!.Value;

        Assert.That(agreement.GetProperty("fleissKappa").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("krippendorffAlpha").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("perClass").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(agreement.GetProperty("workers").GetArrayLength(), Is.Zero);
    }
}
