using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 9's six-worker story through the gateway (README, "Revisions"), the engine's <c>RevisitTests</c> made real: four
/// careful workers and two careless ones on a 20-item batch (redundancy 3 to 5, threshold 0.6). The first two tasks
/// are each worked by one careful and both careless workers, who outvote it: accepted wrong at once. On the other 18 two
/// careful workers and one careless one (wrong on two items of three) agree, and the careless workers agree with nobody.
/// Once every task is final, consensus revisits the batch, disputes exactly those two labels, asks a careful worker for
/// one more annotation of each, and the batch completes with every label right, those two at revision 2.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class RevisionTests
{
    private const int Items = 20;

    [Test]
    public async Task TwoCarelessWorkersWinningEarly_AreOverruledByTheRevisit_AndTheBatchCompletesRightAtRevision2()
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: Items, min: 3, max: 5,
            change: body => body["acceptance"] = new { threshold = 0.6 });
        var careful = new List<CrowdClient>();
        for (var i = 0; i < 4; i++)
        {
            careful.Add(await WorkerAsync(qualification));
        }

        var careless = new[] { await WorkerAsync(qualification), await WorkerAsync(qualification) };

        var outvoted = new List<Guid>();
        for (var round = 0; round < Items; round++)
        {
            // Rounds 0 and 1: careful 0 against both careless workers. Then the engine test's pattern on i = round - 2.
            var i = round - 2;
            var team = round < 2
                ? [(careful[0], Right: true), (careless[0], Right: false), (careless[1], Right: false)]
                : new[] { (careful[i % 4], Right: true), (careful[(i + 1) % 4], Right: true), (careless[i % 2], Right: i % 3 == 0) };
            var taskId = await WorkTogetherAsync(team);
            if (round < 2)
            {
                outvoted.Add(taskId);
            }
        }

        // The revisit reopens the two outvoted tasks; careful worker 1, who worked neither, gets and answers both.
        for (var extra = 0; extra < 2; extra++)
        {
            var claim = await ClaimAsync(careful[1]);
            Assert.That(outvoted, Does.Contain(claim.GetProperty("taskId").GetGuid()), "only the disputed tasks are reopened");
            await SubmitAsync(careful[1], claim, right: true);
        }

        var batch = await WaitForBatchAsync(requester, batchId, "completed");
        Assert.That(batch.GetProperty("annotationCount").GetInt32(), Is.EqualTo(Items * 3 + 2));

        var results = await ResultsAsync(requester, batchId);
        Assert.That(results, Has.Count.EqualTo(Items));
        Assert.That(results.Values.Select(r => (r.GetProperty("externalId").GetString(), r.GetProperty("label").GetProperty("label").GetString())),
            Is.EquivalentTo(Enumerable.Range(0, Items).Select(i => ($"case-{i}", TruthOf(i)))), "every label right");
        Assert.That(results.Values.Where(r => outvoted.Contains(r.GetProperty("taskId").GetGuid())).Select(r => r.GetProperty("revision").GetInt32()),
            Is.EqualTo(new[] { 2, 2 }));
        Assert.That(results.Values.Where(r => !outvoted.Contains(r.GetProperty("taskId").GetGuid())).Select(r => r.GetProperty("revision").GetInt32()),
            Is.All.EqualTo(1));

        // Every annotation paid once (the first judgements stay paid), the escrow settled, the ledger balanced.
        await PaidOnceAsync(careful[1], 2 + Enumerable.Range(0, Items - 2).Count(i => i % 4 == 1 || (i + 1) % 4 == 1));
        await Eventually.WaitForAsync(
            () => ScalarTextAsync("Payouts", $"SELECT status FROM batch_escrows WHERE batch_id = '{batchId}'"),
            status => status == "settled", Arrival, "the escrow settled");
        await LedgerBalancedAsync();
    }

    private static string TruthOf(int item) => item % 2 == 0 ? "nodule" : "no-nodule";

    private static string Answer(string contentUri, bool right)
    {
        var item = int.Parse(contentUri[(contentUri.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return right ? TruthOf(item) : TruthOf(item + 1);
    }

    /// <summary>Three workers claim in turn (each gets the pool's first task with a free slot: the same one), then submit.</summary>
    private static async Task<Guid> WorkTogetherAsync((CrowdClient Worker, bool Right)[] team)
    {
        var claims = new List<JsonElement>();
        foreach (var (worker, _) in team)
        {
            claims.Add(await ClaimAsync(worker));
        }

        var taskIds = claims.Select(c => c.GetProperty("taskId").GetGuid()).Distinct().ToList();
        Assert.That(taskIds, Has.Count.EqualTo(1), "the three claims took one task");
        for (var k = 0; k < team.Length; k++)
        {
            await SubmitAsync(team[k].Worker, claims[k], team[k].Right);
        }

        return taskIds[0];
    }

    private static async Task SubmitAsync(CrowdClient worker, JsonElement claim, bool right) =>
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission",
            new { annotation = new { label = Answer(claim.GetProperty("content").GetProperty("contentUri").GetString()!, right) } },
            expected: [HttpStatusCode.Accepted]);
}
