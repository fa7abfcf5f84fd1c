using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's QA staff: a reviewer claims a disagreement under a lease (one reviewer at a time), sees the task's content
/// (an audited disclosure), and resolves it with a label or excludes the task from the results. Tasks reach QA as in
/// <see cref="AuditTests"/>: one annotation from a new worker cannot reach a 0.9 posterior, so at max 1 it escalates.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class QaTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Claim_Escalated_ReturnsContentAndLease_AndTracesTheDisclosureToTheReviewer()
    {
        var (_, _, _, disagreements) = await EscalatedAsync(items: 1);
        var disagreement = disagreements.Single();
        var qa = As("qa");

        var before = DateTime.UtcNow;
        var claim = (await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{Id(disagreement)}/claim", expected: [HttpStatusCode.OK]))!.Value;

        Assert.That(claim.GetProperty("disagreementId").GetString(), Is.EqualTo(Id(disagreement)));
        Assert.That(claim.GetProperty("status").GetString(), Is.EqualTo("claimed"));
        Assert.That(claim.GetProperty("annotations").GetArrayLength(), Is.EqualTo(1));
        var content = claim.GetProperty("content");
        Assert.That(content.GetProperty("contentUri").GetString(), Is.EqualTo("dicomweb://pacs.test/studies/0"));
        Assert.That(content.GetProperty("slice").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(content.GetProperty("tile").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(claim.GetProperty("leaseExpiresAt").GetDateTime().ToUniversalTime(), Is.EqualTo(before + Lease).Within(TimeSpan.FromSeconds(5)));

        var taskId = claim.GetProperty("taskId").GetString();
        var events = await AuditTests.EventsAsync(
            $"subjectId={taskId}", e => e.Count(x => x.Action == "content.disclosed") == 2);
        var disclosure = events.Single(e => e.Action == "content.disclosed" && e.Role == "qa");
        Assert.That(disclosure.ActorId, Is.EqualTo(qa.Subject));
        Assert.That(disclosure.SubjectType, Is.EqualTo("task"));
        Assert.That(disclosure.Detail, Does.Contain("dicomweb://pacs.test/studies/0").And.Contain(Id(disagreement)));
    }

    [Test]
    public async Task Claim_WhileAnotherReviewersLeaseRuns_IsConflict_UntilTheLeaseEnds()
    {
        var (_, batchId, _, disagreements) = await EscalatedAsync(items: 1);
        var id = Id(disagreements.Single());
        var holder = As("qa");
        var other = As("qa");

        var first = (await holder.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim"))!.Value;
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim")), Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(
            await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { label = "nodule" } })),
            Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await IdsAsync(holder, batchId, "claimed"), Is.EqualTo(new[] { id }));
        Assert.That(await IdsAsync(holder, batchId, "open"), Is.Empty);

        // The holder may claim again: the lease is renewed, not refused.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var renewed = (await holder.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim"))!.Value;
        Assert.That(renewed.GetProperty("leaseExpiresAt").GetDateTime(), Is.GreaterThan(first.GetProperty("leaseExpiresAt").GetDateTime()));

        // Once the lease has ended the disagreement is open again, and anyone may claim and resolve it.
        await Eventually.WaitForAsync(() => IdsAsync(other, batchId, "open"), ids => ids.Contains(id), Arrival, "the lease to end");
        Assert.That(await IdsAsync(other, batchId, "claimed"), Is.Empty);
        await other.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim", expected: [HttpStatusCode.OK]);
        await other.CallAsync(
            HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = new { label = "nodule" } }, expected: [HttpStatusCode.Accepted]);
        Assert.That(await IdsAsync(other, batchId, "resolved"), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task Exclude_DropsTheTaskFromTheResults_CompletesTheBatch_PaysOnce_AndSettlesTheEscrow()
    {
        var (requester, batchId, worker, disagreements) = await EscalatedAsync(items: 2);
        var qa = As("qa");
        var (excluded, labelled) = (disagreements[0], disagreements[1]);

        await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{Id(excluded)}/claim");
        await qa.CallAsync(
            HttpMethod.Post, $"/v1/disagreements/{Id(excluded)}/resolution", new { exclude = true, note = "series is truncated" },
            expected: [HttpStatusCode.Accepted]);
        await qa.CallAsync(
            HttpMethod.Post, $"/v1/disagreements/{Id(labelled)}/resolution", new { label = new { label = "nodule" } }, expected: [HttpStatusCode.Accepted]);

        var batch = await WaitForBatchAsync(requester, batchId, "completed");
        Assert.That(batch.GetProperty("excludedCount").GetInt32(), Is.EqualTo(1));
        Assert.That(batch.GetProperty("acceptedCount").GetInt32(), Is.EqualTo(1));

        var results = (await requester.GetAsync($"/v1/batches/{batchId}/results")).GetProperty("items");
        Assert.That(results.EnumerateArray().Select(r => r.GetProperty("taskId").GetString()), Is.EqualTo(new[] { TaskId(labelled) }));
        using (var csv = await requester.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/results?format=csv"))
        {
            var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(2), "the header and the labelled task");
            Assert.That(lines[1], Does.StartWith(TaskId(labelled)));
            Assert.That(string.Join('\n', lines), Does.Not.Contain(TaskId(excluded)));
        }

        // Both annotations were work done: each is paid once (reward 40), and the escrow settles with the rest returned.
        var earnings = await Eventually.WaitForAsync(
            () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
            e => e.GetProperty("lines").GetArrayLength() >= 2, Arrival, "both rewards");
        Assert.That(earnings.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("annotationId").GetString()), Is.Unique);
        Assert.That(earnings.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("amountCents").GetInt64()), Is.EqualTo(80));
        var balance = await Eventually.WaitForAsync(
            () => requester.GetAsync($"/v1/requesters/{requester.Subject}/balance"),
            b => b.GetProperty("escrowCents").GetInt64() == 0, Arrival, "the escrow to settle");
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000 - (2 * 44)));
        await Eventually.WaitForAsync(
            () => ScalarTextAsync("Payouts", $"SELECT status FROM batch_escrows WHERE batch_id = '{batchId}'"),
            status => status == "settled", Arrival, "the escrow to be settled");
        var check = await As("admin").GetAsync("/v1/ledger/check");
        Assert.That(check.GetProperty("balanced").GetBoolean(), Is.True);

        // The excluded task's annotation taught nothing; the labelled one's did.
        var learned = await ScalarAsync("Consensus", $"SELECT observations FROM worker_reliability WHERE worker_id = '{worker.Subject}'");
        Assert.That(learned, Is.EqualTo(1));

        var exclusion = (await AuditTests.EventsAsync($"subjectId={TaskId(excluded)}", e => e.Any(x => x.Action == "qa.excluded")))
            .Single(e => e.Action == "qa.excluded");
        Assert.That(exclusion.ActorId, Is.EqualTo(qa.Subject));
        Assert.That(exclusion.Role, Is.EqualTo("qa"));
        Assert.That(exclusion.Detail, Does.Contain("series is truncated"));
    }

    [TestCase("""{ "label": { "label": "nodule" }, "exclude": true }""", "exclude")]
    [TestCase("""{ "note": "neither" }""", "label")]
    [TestCase("""{ "exclude": false }""", "label")]
    public async Task Resolution_WithBothOrNeither_IsBadRequestNamingTheField_AndChangesNothing(string body, string field)
    {
        var (_, batchId, _, disagreements) = await EscalatedAsync(items: 1);
        var id = Id(disagreements.Single());
        var qa = As("qa");

        using var response = await qa.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", JsonDocument.Parse(body).RootElement);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That(await IdsAsync(qa, batchId, "open"), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task ClaimAndResolution_AsWorkerOrRequester_AreForbidden()
    {
        var id = Guid.NewGuid();
        foreach (var role in new[] { "worker", "requester" })
        {
            var caller = As(role);
            Assert.That(await StatusAsync(caller.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/claim")), Is.EqualTo(HttpStatusCode.Forbidden), role);
            Assert.That(
                await StatusAsync(caller.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { exclude = true })),
                Is.EqualTo(HttpStatusCode.Forbidden), role);
        }
    }

    /// <summary>An open batch of <paramref name="items"/> tasks, one worker's annotation on each, and every task waiting for QA.</summary>
    private static async Task<(CrowdClient Requester, Guid BatchId, CrowdClient Worker, IReadOnlyList<JsonElement> Disagreements)> EscalatedAsync(int items)
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items, min: 1, max: 1);
        var worker = await WorkerAsync(qualification);
        for (var i = 0; i < items; i++)
        {
            var claim = await ClaimAsync(worker);
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = new { label = "nodule" } });
        }

        var page = await Eventually.WaitForAsync(
            () => As("qa").GetAsync($"/v1/disagreements?batchId={batchId}&status=open"),
            p => p.GetProperty("items").GetArrayLength() == items, Arrival, "the disagreements");
        return (requester, batchId, worker, page.GetProperty("items").EnumerateArray().ToList());
    }

    private static async Task<string[]> IdsAsync(CrowdClient qa, Guid batchId, string status) =>
        (await qa.GetAsync($"/v1/disagreements?batchId={batchId}&status={status}")).GetProperty("items").EnumerateArray()
            .Select(Id).ToArray();

    private static string Id(JsonElement disagreement) => disagreement.GetProperty("disagreementId").GetString()!;

    private static string TaskId(JsonElement disagreement) => disagreement.GetProperty("taskId").GetString()!;
}
