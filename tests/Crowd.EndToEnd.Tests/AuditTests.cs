using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using Npgsql;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's audit trail: one event for every disclosure of item content, every QA decision, every money movement and
/// every batch state change, in a hash chain that <c>/v1/audit/verify</c> checks. Events travel through each service's
/// outbox to payouts, so the tests wait for them to arrive.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class AuditTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Claim_DisclosesContent_OneTraceNamingTheWorkerAndTheReference()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1);
        var worker = await WorkerAsync(qualification);

        var claim = await ClaimAsync(worker);
        var taskId = claim.GetProperty("taskId").GetString()!;
        var contentUri = claim.GetProperty("content").GetProperty("contentUri").GetString()!;

        var events = await EventsAsync($"subjectId={taskId}", e => e.Any(x => x.Action == "content.disclosed"));
        var disclosure = events.Single(e => e.Action == "content.disclosed");
        Assert.That(disclosure.ActorId, Is.EqualTo(worker.Subject));
        Assert.That(disclosure.Role, Is.EqualTo("worker"));
        Assert.That(disclosure.SubjectType, Is.EqualTo("task"));
        Assert.That(disclosure.Detail, Does.Contain(contentUri).And.Contain(claim.GetProperty("claimId").GetString()));
        Assert.That(disclosure.Service, Is.EqualTo("assignment"), "the sender, as the broker checked it");
    }

    [Test]
    public async Task Batch_FromSubmissionToCompletion_TracesEveryStateChangeAndMoneyMovement()
    {
        // Redundancy 1..2 at threshold 0.75: one annotation from a new worker (prior accuracy 0.8) is accepted, so of the
        // escrow for (2 + 2) annotations three quarters are left and go back to the requester.
        var qualification = $"q-{Guid.NewGuid():N}"[..12];
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 10_000, reference = "test" });
        var batch = Batch(items: 1, qualification, min: 1, max: 2);
        batch["acceptance"] = new { threshold = 0.75 };
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", batch))!.Value.GetProperty("batchId").GetGuid();
        await WaitForBatchAsync(requester, batchId, "open");
        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = new { label = "nodule" } });
        await WaitForBatchAsync(requester, batchId, "completed");

        var events = await EventsAsync(
            $"subjectId={batchId}", e => e.Any(x => x.Action == "batch.completed") && e.Any(x => x.Action == "money.settle"));

        Assert.That(events.Select(e => e.Action), Is.SupersetOf(new[] { "batch.pending-funding", "money.escrow", "batch.open", "batch.completed", "money.settle" }));
        var submitted = events.Single(e => e.Action == "batch.pending-funding");
        var opened = events.Single(e => e.Action == "batch.open");
        Assert.That(submitted.ActorId, Is.EqualTo(requester.Subject));
        Assert.That(submitted.Role, Is.EqualTo("requester"));
        Assert.That(opened.Role, Is.EqualTo("system"));
        // The chain's order is the order events reached it, which across services need not be causal; each event's
        // time is when its act committed.
        Assert.That(submitted.At, Is.LessThanOrEqualTo(opened.At));
        Assert.That(events.Single(e => e.Action == "money.settle").Detail, Does.Contain($"requester:{requester.Subject}:available +{(2 + 2 - 1) * 44}"));

        // The worker's reward is traced on its annotation, naming the accounts it moved between.
        var annotationId = (await Eventually.WaitForAsync(
            () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
            e => e.GetProperty("lines").GetArrayLength() == 1, Arrival, "the reward")).GetProperty("lines")[0].GetProperty("annotationId").GetString();
        var reward = (await EventsAsync($"subjectId={annotationId}", e => e.Any(x => x.Action == "money.reward"))).Single(e => e.Action == "money.reward");
        Assert.That(reward.Detail, Does.Contain($"batch:{batchId}:escrow -44").And.Contain($"worker:{worker.Subject}:payable +40"));
    }

    [Test]
    public async Task Deposit_IsTracedToTheAdminWhoMadeIt()
    {
        var admin = As("admin");
        var requester = As("requester");

        await admin.CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 1234, reference = "wire-audit" });

        var deposit = (await EventsAsync($"actorId={admin.Subject}", e => e.Any(x => x.Action == "money.deposit"))).Single();
        Assert.That(deposit.Role, Is.EqualTo("admin"));
        Assert.That(deposit.Detail, Does.Contain($"requester:{requester.Subject}:available +1234").And.Contain("wire-audit"));
        Assert.That(deposit.Service, Is.EqualTo("payouts"));
    }

    [Test]
    public async Task QaResolution_IsTracedToTheReviewer()
    {
        // One annotation cannot reach a 0.9 posterior from a new worker (prior accuracy 0.8): at max 1 the task goes to QA.
        var (_, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1);
        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = new { label = "nodule" } });
        var qa = As("qa");
        var disagreement = (await Eventually.WaitForAsync(
            () => qa.GetAsync($"/v1/disagreements?batchId={batchId}&status=open"),
            page => page.GetProperty("items").GetArrayLength() == 1, Arrival, "the disagreement")).GetProperty("items")[0];

        await qa.CallAsync(
            HttpMethod.Post, $"/v1/disagreements/{disagreement.GetProperty("disagreementId").GetString()}/resolution",
            new { label = new { label = "no-nodule" }, note = "reviewed the series" });

        var taskId = claim.GetProperty("taskId").GetString();
        var resolution = (await EventsAsync($"subjectId={taskId}", e => e.Any(x => x.Action == "qa.resolved"))).Single(e => e.Action == "qa.resolved");
        Assert.That(resolution.ActorId, Is.EqualTo(qa.Subject));
        Assert.That(resolution.Role, Is.EqualTo("qa"));
        Assert.That(resolution.Detail, Does.Contain("no-nodule").And.Contain("reviewed the series"));
    }

    [Test]
    public async Task Verify_IntactChain_IsValid_AndAnEditedEventIsCaught()
    {
        var admin = As("admin");
        await admin.CallAsync(HttpMethod.Post, $"/v1/requesters/{As("requester").Subject}/deposits", new { amountCents = 1, reference = "chain" });
        await EventsAsync($"actorId={admin.Subject}", e => e.Count == 1);

        var intact = await admin.GetAsync("/v1/audit/verify");
        Assert.That(intact.GetProperty("valid").GetBoolean(), Is.True);
        Assert.That(intact.GetProperty("events").GetInt64(), Is.GreaterThan(0));

        await using var connection = new NpgsqlConnection(CrowdFixture.Crowd.ConnectionString("Payouts"));
        await connection.OpenAsync();
        var edit = "UPDATE audit_events SET detail = detail || ' (edited)' WHERE seq = (SELECT min(seq) FROM audit_events WHERE actor_id = @actor)";
        Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, edit, admin.Subject), "the table refuses edits");

        // Someone with the database owner's rights drops the guard and rewrites history: the chain shows where.
        await ExecuteAsync(connection, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only", null);
        try
        {
            await ExecuteAsync(connection, edit, admin.Subject);
            var broken = await admin.GetAsync("/v1/audit/verify");
            Assert.That(broken.GetProperty("valid").GetBoolean(), Is.False);
            var editedId = (await EventsAsync($"actorId={admin.Subject}", e => e.Count == 1)).Single().EventId;
            Assert.That(broken.GetProperty("firstBrokenLink").GetProperty("eventId").GetString(), Is.EqualTo(editedId));
        }
        finally
        {
            await ExecuteAsync(
                connection,
                "UPDATE audit_events SET detail = left(detail, length(detail) - length(' (edited)')) WHERE actor_id = @actor AND detail LIKE '% (edited)'",
                admin.Subject);
            await ExecuteAsync(connection, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only", null);
        }

        Assert.That((await admin.GetAsync("/v1/audit/verify")).GetProperty("valid").GetBoolean(), Is.True, "restored");
    }

    [Test]
    public async Task Audit_IsForAdminsOnly()
    {
        foreach (var role in new[] { "requester", "worker", "qa" })
        {
            Assert.That(await StatusAsync(As(role).SendAsync(HttpMethod.Get, "/v1/audit")), Is.EqualTo(HttpStatusCode.Forbidden), role);
            Assert.That(await StatusAsync(As(role).SendAsync(HttpMethod.Get, "/v1/audit/verify")), Is.EqualTo(HttpStatusCode.Forbidden), role);
        }

        Assert.That(await StatusAsync(Http.GetAsync(new Uri(CrowdFixture.Crowd.Gateway, "/v1/audit"))), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    internal sealed record AuditEventView(
        string EventId, DateTime At, string ActorId, string Role, string Action, string SubjectType, string SubjectId, string? Detail, string Hash,
        string PreviousHash, string? Service);

    internal static async Task<IReadOnlyList<AuditEventView>> EventsAsync(string query, Func<IReadOnlyList<AuditEventView>, bool> done)
    {
        var admin = As("admin");
        return await Eventually.WaitForAsync(
            async () => (await admin.GetAsync($"/v1/audit?{query}")).GetProperty("items").Deserialize<List<AuditEventView>>(JsonSerializerOptions.Web)!,
            done, Arrival, $"audit events for {query}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string? actor)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (actor is not null)
        {
            command.Parameters.AddWithValue("actor", actor);
        }

        await command.ExecuteNonQueryAsync();
    }
}
