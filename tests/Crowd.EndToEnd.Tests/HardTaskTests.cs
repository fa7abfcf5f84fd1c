using System.Diagnostics;
using System.Globalization;
using System.Net;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 9's hard tasks through the gateway: a task consensus asks more annotations for than <c>redundancy.min</c> goes
/// first to the workers at or above its batch's median reliability, and to anyone once the window has passed.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class HardTaskTests
{
    [Test]
    public async Task MoreAnnotations_AreOfferedFirstToTheBatchsStrongerWorkers_AndToAnyoneAfterTheWindow()
    {
        // Reliabilities first: two careful workers answer both gold items right, two careless ones wrong, and all four
        // agree on the one real item, accepted: Beta(4, 1) + 3 right = 7/8; + 1 right, 2 wrong = 5/8 (three answers each,
        // too few to suspend anyone).
        var (warmUpRequester, warmUpBatch, warmUp) = await OpenBatchAsync(items: 1, min: 4, max: 4, change: body => body["goldItems"] = new[]
        {
            new { externalId = "gold-0", contentUri = "dicomweb://pacs.test/gold/0", truth = new { label = "nodule" } },
            new { externalId = "gold-1", contentUri = "dicomweb://pacs.test/gold/1", truth = new { label = "nodule" } },
        });
        var strong = new[] { await WorkerAsync(warmUp), await WorkerAsync(warmUp) };
        var weak = new[] { await WorkerAsync(warmUp), await WorkerAsync(warmUp) };
        foreach (var worker in strong)
        {
            await AnnotateAllAsync(worker, 3, _ => new { label = "nodule" });
        }

        foreach (var worker in weak)
        {
            await AnnotateAllAsync(worker, 3, uri => new { label = uri.Contains("/gold/", StringComparison.Ordinal) ? "no-nodule" : "nodule" });
        }

        await WaitForBatchAsync(warmUpRequester, warmUpBatch, "completed");
        var reliability = new Dictionary<CrowdClient, double>();
        foreach (var worker in strong.Concat(weak))
        {
            reliability[worker] = await ReliabilityAfterWarmUpAsync(worker);
        }

        Assert.That(strong.Select(w => reliability[w]), Is.All.EqualTo(7.0 / 8).Within(1e-9));
        Assert.That(weak.Select(w => reliability[w]), Is.All.EqualTo(5.0 / 8).Within(1e-9));

        // The hard task: one strong and one weak worker disagree on it; at threshold 0.9 consensus asks for one more.
        var (_, batchId, qualification) = await OpenBatchAsync(items: 1, min: 2, max: 4);
        foreach (var worker in strong.Concat(weak))
        {
            await As("admin").CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}/qualifications", new { qualifications = new[] { qualification } });
        }

        await AnnotateAllAsync(strong[0], 1, _ => new { label = "nodule" });
        await AnnotateAllAsync(weak[0], 1, _ => new { label = "no-nodule" });
        var floor = await HardFloorAsync(batchId, turn: 1);
        Assert.That(floor, Is.EqualTo((reliability[strong[0]] + reliability[weak[0]]) / 2).Within(1e-9),
            "the median of the batch's two annotators' reliabilities");

        // Inside the window the weaker worker is offered nothing, the stronger one the task.
        Assert.That(await ClaimStatusAsync(weak[1]), Is.EqualTo(HttpStatusCode.NoContent), "below the floor: passed over");
        await AnnotateAllAsync(strong[1], 1, _ => new { label = "no-nodule" });

        // Still undecided (two against two, each side a strong worker): hard again. The weaker worker is turned away
        // until the window has passed, then takes the task: no task waits forever on strong workers.
        await HardFloorAsync(batchId, turn: 2);
        var waited = Stopwatch.StartNew();
        Assert.That(await ClaimStatusAsync(weak[1]), Is.EqualTo(HttpStatusCode.NoContent));
        var late = await ClaimAsync(weak[1]);
        Assert.That(late.GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
        Assert.That(waited.Elapsed, Is.GreaterThan(HardTaskWindow / 2), "not before the window had (nearly) passed");
    }

    private static async Task<double> ReliabilityAfterWarmUpAsync(CrowdClient worker)
    {
        await Eventually.WaitForAsync(
            () => ScalarAsync("Assignment", $"SELECT round(reliability_observations) FROM workers WHERE worker_id = '{worker.Subject}'"),
            n => n == 3, Arrival, $"{worker.Subject}'s three lessons");
        return (await As("admin").GetAsync($"/v1/workers/{worker.Subject}")).GetProperty("reliability").GetDouble();
    }

    /// <summary>Waits until the batch's task has turned hard <paramref name="turn"/> times (slots opened past min) and returns its floor.</summary>
    private static async Task<double> HardFloorAsync(Guid batchId, int turn)
    {
        await Eventually.WaitForAsync(
            () => ScalarAsync("Assignment", $"SELECT count(*) FROM pool_tasks WHERE batch_id = '{batchId}' AND strong_only_until > now() AND slots_opened = {2 + turn}"),
            n => n == 1, Arrival, $"the task hard for the {turn}. time");
        var floor = await ScalarTextAsync("Assignment", $"SELECT strong_floor::text FROM pool_tasks WHERE batch_id = '{batchId}'");
        return double.Parse(floor, CultureInfo.InvariantCulture);
    }

    private static async Task<HttpStatusCode> ClaimStatusAsync(CrowdClient worker)
    {
        using var response = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims");
        return response.StatusCode;
    }
}
