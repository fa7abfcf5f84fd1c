using System.Net;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10, point 5, through the gateway: nobody labels data they requested, nobody settles a dispute over their own
/// answer, and what changes who may see patient data (qualifications, suspensions) leaves an audit trace.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class SeparationOfDutiesTests
{
    [Test]
    public async Task Claim_APrincipalHoldingTheRequesterAndWorkerRoles_IsNeverOfferedItsOwnBatchsTasks()
    {
        var both = new CrowdClient(Http, CrowdFixture.Crowd.Tokens, $"both-{Guid.NewGuid():N}"[..17], "requester", "worker");
        var qualification = $"q-{Guid.NewGuid():N}"[..12];
        var admin = As("admin");
        await admin.CallAsync(HttpMethod.Post, $"/v1/requesters/{both.Subject}/deposits", new { amountCents = 100_000, reference = "test" });
        var batchId = (await both.CallAsync(HttpMethod.Post, "/v1/batches", Batch(items: 2, qualification)))!.Value.GetProperty("batchId").GetGuid();
        await WaitForBatchAsync(both, batchId, "open");
        await both.CallAsync(HttpMethod.Put, $"/v1/workers/{both.Subject}", new { displayName = "Requester And Worker", timeZone = "UTC" });
        await admin.CallAsync(HttpMethod.Put, $"/v1/workers/{both.Subject}/qualifications", new { qualifications = new[] { qualification } });

        // Another worker's claim shows the tasks are in the pool; one is still open when the requester asks.
        var other = await WorkerAsync(qualification);
        Assert.That((await ClaimAsync(other)).GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));

        Assert.That(await StatusAsync(both.SendAsync(HttpMethod.Post, $"/v1/workers/{both.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await ClaimAsync(other)).GetProperty("batchId").GetGuid(), Is.EqualTo(batchId), "the task it was not offered is still there");
    }

    [Test]
    public async Task Disagreement_HoldingTheReviewersOwnAnnotation_Is409ToThemAndOpenToAnotherReviewer()
    {
        // One annotation from a new worker cannot reach a 0.9 posterior: at redundancy.max 1 the task goes to QA.
        var (_, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1);
        var both = new CrowdClient(Http, CrowdFixture.Crowd.Tokens, $"both-{Guid.NewGuid():N}"[..17], "worker", "qa");
        await both.CallAsync(HttpMethod.Put, $"/v1/workers/{both.Subject}", new { displayName = "Worker And Reviewer", timeZone = "UTC" });
        await As("admin").CallAsync(HttpMethod.Put, $"/v1/workers/{both.Subject}/qualifications", new { qualifications = new[] { qualification } });
        await KindSteps.AnnotateAllAsync(both, 1, _ => new { label = "nodule" });
        var id = (await KindSteps.OnlyDisagreementAsync(both, batchId)).GetProperty("disagreementId").GetString();

        foreach (var (path, body) in new (string, object?)[] { ("claim", null), ("resolution", new { label = new { label = "nodule" } }) })
        {
            using var refused = await both.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/{path}", body);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), path);
            Assert.That((await ProblemAsync(refused)).GetProperty("state").GetString(), Is.EqualTo("own-annotation"), path);
        }

        Assert.That(await StatusAsync(As("qa").SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim")), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Qualifications_SetByAnAdmin_AreAudited()
    {
        var worker = await WorkerAsync("CT", "MRI");

        var events = await AuditTests.EventsAsync($"subjectId={worker.Subject}", e => e.Any(x => x.Action == "worker.qualifications-set"));

        var set = events.Single(e => e.Action == "worker.qualifications-set");
        Assert.That(set.Role, Is.EqualTo("admin"));
        Assert.That(set.SubjectType, Is.EqualTo("worker"));
        Assert.That(set.Detail, Is.EqualTo("[CT, MRI]"));
    }
}
