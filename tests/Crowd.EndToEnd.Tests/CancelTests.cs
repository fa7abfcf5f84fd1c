using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's <c>POST /v1/batches/{batchId}/cancel</c>: no new claims, open claims may still be submitted until their lease
/// ends and are paid once, and the unspent escrow returns to the requester once nothing more can be paid from it.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class CancelTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);
    private static readonly object Nodule = new { annotation = new { label = "nodule" } };

    [Test]
    public async Task Cancel_OpenBatchWithWorkDoneAndAClaimOpen_NoNewClaimsOpenClaimPaidOnceAndEscrowReturned()
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 3, min: 1, max: 3);
        var done = await WorkerAsync(qualification);
        await SubmitAsync(done, await ClaimAsync(done));
        var late = await WorkerAsync(qualification);
        var openClaim = (await ClaimAsync(late)).GetProperty("claimId").GetString();
        // A fresh lease, so that the 6-second test lease outlasts the checks below until the submission.
        await late.CallAsync(HttpMethod.Post, $"/v1/claims/{openClaim}/extend");

        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Accepted));
        var batch = await requester.GetAsync($"/v1/batches/{batchId}");
        Assert.That(batch.GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        Assert.That(batch.GetProperty("cancelledAt").ValueKind, Is.EqualTo(JsonValueKind.String));

        // Once assignment has the cancel, the open claim cannot be renewed, and nobody gets a task of the batch.
        await Eventually.WaitForAsync(
            () => StatusAsync(late.SendAsync(HttpMethod.Post, $"/v1/claims/{openClaim}/extend")),
            status => status == HttpStatusCode.Conflict, Arrival, "extend to be refused");
        var fresh = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(fresh.SendAsync(HttpMethod.Post, $"/v1/workers/{fresh.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));

        Assert.That(await StatusAsync(late.SendAsync(HttpMethod.Post, $"/v1/claims/{openClaim}/submission", Nodule)), Is.EqualTo(HttpStatusCode.Accepted));

        // Two annotations of 40 cents, each with a 4-cent platform fee; the rest of the 660-cent escrow (3 tasks × (3 + 2) × 44) comes back.
        var balance = await EscrowReturnedAsync(requester);
        Assert.That(balance.GetProperty("spentCents").GetInt64(), Is.EqualTo(2 * 44));
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000 - 2 * 44));
        foreach (var worker in new[] { done, late })
        {
            var earnings = await Eventually.WaitForAsync(
                () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
                e => e.GetProperty("payableCents").GetInt64() > 0, Arrival, $"{worker.Subject} to be paid");
            Assert.That(earnings.GetProperty("lines").GetArrayLength(), Is.EqualTo(1));
            Assert.That(earnings.GetProperty("payableCents").GetInt64(), Is.EqualTo(40));
            Assert.That(earnings.GetProperty("pendingCents").GetInt64(), Is.Zero);
        }

        await AssertLedgerBalancedAsync();
        var cancelled = await EventAsync(batchId, "batch.cancelled");
        Assert.That(cancelled.GetProperty("actorId").GetString(), Is.EqualTo(requester.Subject));
        Assert.That(cancelled.GetProperty("role").GetString(), Is.EqualTo("requester"));
        Assert.That((await EventAsync(batchId, "money.settle")).GetProperty("detail").GetString(),
            Does.Contain($"requester:{requester.Subject}:available +{660 - 2 * 44}"));
    }

    [Test]
    public async Task Cancel_ClaimLeftOpen_EscrowHeldUntilTheLeaseEndsThenReturnedWhole()
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId").GetString();

        await requester.CallAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel", expected: HttpStatusCode.Accepted);

        // The claim could still be submitted, so its reward must still be there to pay.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That((await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance")).GetProperty("escrowCents").GetInt64(), Is.EqualTo(220)); // 1 × (3 + 2) × 44

        var balance = await EscrowReturnedAsync(requester);
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000));
        Assert.That(balance.GetProperty("spentCents").GetInt64(), Is.Zero);
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", Nodule)), Is.EqualTo(HttpStatusCode.Conflict));
        await AssertLedgerBalancedAsync();
    }

    [Test]
    public async Task Cancel_EscalatedTask_LeavesTheQaQueueAndItsAnnotationIsPaid()
    {
        // One annotation from a new worker cannot reach 0.9 at max 1: the task waits for QA when the batch is cancelled.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1);
        var worker = await WorkerAsync(qualification);
        await SubmitAsync(worker, await ClaimAsync(worker));
        var qa = As("qa");
        await Eventually.WaitForAsync(
            () => qa.GetAsync($"/v1/disagreements?batchId={batchId}"), page => page.GetProperty("items").GetArrayLength() == 1, Arrival, "the disagreement");

        await requester.CallAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel", expected: HttpStatusCode.Accepted);

        var balance = await EscrowReturnedAsync(requester);
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000 - 44));
        Assert.That((await qa.GetAsync($"/v1/disagreements?batchId={batchId}")).GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That((await worker.GetAsync($"/v1/workers/{worker.Subject}/earnings")).GetProperty("payableCents").GetInt64(), Is.EqualTo(40));
        await AssertLedgerBalancedAsync();
    }

    [Test]
    public async Task Cancel_Twice_IsAcceptedBothTimesAndCancelsOnce()
    {
        var (requester, batchId, _) = await OpenBatchAsync(items: 1);

        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Accepted));

        await EscrowReturnedAsync(requester);
        await EventAsync(batchId, "money.settle");
        await EventAsync(batchId, "batch.cancelled"); // one only: the second request changed nothing
    }

    [Test]
    public async Task Cancel_CompletedBatch_Is409AndChangesNothing()
    {
        var qualification = $"q-{Guid.NewGuid():N}"[..12];
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 10_000, reference = "test" });
        // A 0.75 threshold accepts one new worker's answer (prior accuracy 0.8): the batch completes on its first annotation.
        var batch = Batch(items: 1, qualification, min: 1, max: 2);
        batch["acceptance"] = new { threshold = 0.75 };
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", batch))!.Value.GetProperty("batchId").GetGuid();
        await WaitForBatchAsync(requester, batchId, "open");
        var worker = await WorkerAsync(qualification);
        await SubmitAsync(worker, await ClaimAsync(worker));
        await WaitForBatchAsync(requester, batchId, "completed");

        using var response = await requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(response)).GetProperty("detail").GetString(), Does.Contain("completed"));
        Assert.That((await requester.GetAsync($"/v1/batches/{batchId}")).GetProperty("status").GetString(), Is.EqualTo("completed"));
    }

    [Test]
    public async Task Cancel_SomeoneElsesBatch_Is404_AndAWorkerIs403()
    {
        var (_, batchId, _) = await OpenBatchAsync(items: 1);

        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Post, $"/v1/batches/{Guid.NewGuid()}/cancel")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(As("worker").SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(As("admin").SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Cancel_WhilePendingFunding_LeavesNoMoneyInEscrow()
    {
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 10_000, reference = "test" });
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", Batch(items: 2)))!.Value.GetProperty("batchId").GetGuid();

        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Accepted));

        // Payouts may have held the escrow before the cancel, or see the cancel first and hold nothing: either way it ends empty.
        await Eventually.WaitForAsync(
            () => ScalarTextAsync("Payouts", $"SELECT coalesce((SELECT status FROM batch_escrows WHERE batch_id = '{batchId}'), 'unseen')"),
            status => status is "settled" or "cancelled", Arrival, "payouts to be done with the batch");
        var balance = await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance");
        Assert.That(balance.GetProperty("escrowCents").GetInt64(), Is.Zero);
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(10_000));
        Assert.That((await requester.GetAsync($"/v1/batches/{batchId}")).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        await AssertLedgerBalancedAsync();
    }

    [Test]
    public async Task Cancel_RejectedBatch_Is409()
    {
        var requester = As("requester");
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", Batch(items: 1)))!.Value.GetProperty("batchId").GetGuid();
        await WaitForBatchAsync(requester, batchId, "rejected");

        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/cancel")), Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance")).GetProperty("escrowCents").GetInt64(), Is.Zero);
    }

    private static Task<JsonElement?> SubmitAsync(CrowdClient worker, JsonElement claim) =>
        worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", Nodule, expected: HttpStatusCode.Accepted);

    /// <summary>The requester's balance once the batch's escrow has come back (the only batch each test's requester has).</summary>
    private static Task<JsonElement> EscrowReturnedAsync(CrowdClient requester) =>
        Eventually.WaitForAsync(
            () => requester.GetAsync($"/v1/requesters/{requester.Subject}/balance"),
            b => b.GetProperty("escrowCents").GetInt64() == 0, Arrival + CrowdFixture.Lease, "the escrow to be returned");

    /// <summary>The one audit event of <paramref name="action"/> on the batch, waiting for it to reach the chain.</summary>
    private static async Task<JsonElement> EventAsync(Guid batchId, string action)
    {
        var admin = As("admin");
        var events = await Eventually.WaitForAsync(
            async () => (await admin.GetAsync($"/v1/audit?subjectId={batchId}")).GetProperty("items").EnumerateArray().ToList(),
            items => items.Any(e => e.GetProperty("action").GetString() == action), Arrival, $"{action} on batch {batchId}");
        return events.Single(e => e.GetProperty("action").GetString() == action);
    }

    private static async Task AssertLedgerBalancedAsync()
    {
        var check = await As("admin").GetAsync("/v1/ledger/check");
        Assert.That(check.GetProperty("balanced").GetBoolean(), Is.True);
        Assert.That(check.GetProperty("negativeAccounts").GetArrayLength(), Is.Zero);
    }
}
