using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>What a worker relies on when claiming and submitting, through the gateway.</summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ClaimTests
{
    [Test]
    public async Task Claim_AfterSubmittingTheOnlyTask_NeverGetsItAgain()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, min: 2, max: 3);
        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId")}/submission", new { annotation = new { label = "nodule" } },
            expected: HttpStatusCode.Accepted);

        // The task still has an open slot, but not for this worker.
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));
        var second = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(second.SendAsync(HttpMethod.Post, $"/v1/workers/{second.Subject}/claims")), Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Claim_WithoutRequiredQualification_GetsNothingUntilGranted()
    {
        var (_, batchId, qualification) = await OpenBatchAsync(items: 1, min: 2);
        await ClaimAsync(await WorkerAsync(qualification)); // the task is in the pool, with one slot left
        var worker = await WorkerAsync("some-other-skill");
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));

        await As("admin").CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}/qualifications", new { qualifications = new[] { qualification } });
        var claim = await ClaimAsync(worker);

        Assert.That(claim.GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
        Assert.That(claim.GetProperty("content").GetProperty("contentUri").GetString(), Does.StartWith("dicomweb://"));
        Assert.That(claim.GetProperty("rewardCents").GetInt64(), Is.EqualTo(40));
    }

    [Test]
    public async Task Submit_SecondTime_Is409()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, min: 2);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId");
        var answer = new { annotation = new { label = "nodule" } };

        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", answer)), Is.EqualTo(HttpStatusCode.Accepted));
        using var second = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", answer);
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        // A client whose first answer was lost learns from the problem's state that it was taken.
        Assert.That((await ProblemAsync(second)).GetProperty("state").GetString(), Is.EqualTo("submitted"));
    }

    [Test]
    public async Task Submit_LabelOutsideSchema_Is422AndClaimStaysOpen()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId");

        using var wrong = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = new { label = "fracture" } });
        var problem = await ProblemAsync(wrong);
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("annotation.label"));

        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = new { label = "no-nodule" } })),
            Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Submit_AfterLeaseExpired_Is409AndTheSlotGoesBackToThePool()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, min: 1);
        var slow = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(slow)).GetProperty("claimId");
        var other = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/workers/{other.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent),
            "the only slot is leased");

        await Task.Delay(Lease + TimeSpan.FromSeconds(2));

        Assert.That(await StatusAsync(slow.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = new { label = "nodule" } })),
            Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/workers/{other.Subject}/claims")), Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Claim_ItemWithHalfShare_GivesOneWorkerHalfOfItsTasksThenNothing()
    {
        // One head CT of 40 slices in windows of 10: 4 tasks, of which any one worker may see ceil(0.5 × 4) = 2.
        var (_, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, change: body =>
        {
            body["slicing"] = new { mode = "slice-window", window = 10, stride = 10 };
            body["privacy"] = new { maxItemSharePerWorker = 0.5 };
            body["items"] = new[] { new { externalId = "head-ct", contentUri = "dicomweb://pacs.test/studies/head-ct", sliceCount = 40 } };
        });

        var worker = await WorkerAsync(qualification);
        var seen = new List<int>();
        var claim = await ClaimAsync(worker); // waits for the tasks to reach the pool
        while (true)
        {
            Assert.That(claim.GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
            seen.Add(claim.GetProperty("content").GetProperty("slice").GetProperty("from").GetInt32());
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId")}/submission", new { annotation = new { label = "nodule" } },
                expected: HttpStatusCode.Accepted);
            using var next = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims");
            if (next.StatusCode == HttpStatusCode.NoContent || seen.Count > 4)
            {
                break;
            }

            Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            claim = await next.Content.ReadFromJsonAsync<JsonElement>();
        }

        Assert.That(seen, Has.Count.EqualTo(2).And.Unique, "half of the item's windows, no more");
        // The 204 is the guard, not an empty pool: the two windows nobody has claimed are there for someone else.
        var other = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/workers/{other.Subject}/claims")), Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Release_GivesTheSlotToAnotherWorkerButNotBackToTheSame()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, min: 1);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId");

        var extended = (await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claimId}/extend"))!.Value;
        Assert.That(extended.GetProperty("leaseExpiresAt").GetDateTime(), Is.GreaterThan(DateTime.UtcNow));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/release")), Is.EqualTo(HttpStatusCode.NoContent));

        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));
        var other = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/workers/{other.Subject}/claims")), Is.EqualTo(HttpStatusCode.Created));
    }
}
