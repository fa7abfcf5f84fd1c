using System.Net;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

[TestFixture]
[Category("EndToEnd")]
public sealed class FundingTests
{
    [Test]
    public async Task SubmitBatch_BalanceShort_BatchIsRejectedWithReasonAndNoMoneyMoves()
    {
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 100, reference = "small" });
        var accepted = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", Batch(items: 5), expected: HttpStatusCode.Accepted))!.Value;
        Assert.That(accepted.GetProperty("status").GetString(), Is.EqualTo("pending-funding"));
        Assert.That(accepted.GetProperty("maxCostCents").GetInt64(), Is.EqualTo(1_100)); // 5 tasks × (3 + 2) × 40 × 1.1

        var batch = await WaitForBatchAsync(requester, accepted.GetProperty("batchId").GetGuid(), "rejected");
        var balance = await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance");

        Assert.That(batch.GetProperty("rejectionReason").GetString(), Does.Contain("insufficient funds"));
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100));
        Assert.That(balance.GetProperty("escrowCents").GetInt64(), Is.Zero);
    }

    [Test]
    public async Task SubmitBatch_Funded_HoldsMaxCostInEscrow()
    {
        var (requester, _, _) = await OpenBatchAsync(items: 2);
        var balance = await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance");

        Assert.That(balance.GetProperty("escrowCents").GetInt64(), Is.EqualTo(440)); // 2 × (3 + 2) × 40 × 1.1
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000 - 440));
    }

    [Test]
    public async Task SubmitBatch_SameIdempotencyKeyTwice_CreatesOneBatch()
    {
        var requester = As("requester");
        using var first = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Batch(), idempotencyKey: "batch-7");
        using var second = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Batch(), idempotencyKey: "batch-7");
        var list = await requester.GetAsync("/v1/batches");

        Assert.That(second.StatusCode, Is.EqualTo(first.StatusCode));
        Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        Assert.That(list.GetProperty("items").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Deposit_SameIdempotencyKeyTwice_CreditsOnce()
    {
        var requester = As("requester");
        var admin = As("admin");
        for (var i = 0; i < 2; i++)
        {
            using var response = await admin.SendAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits",
                new { amountCents = 5_000, reference = "wire-1" }, idempotencyKey: "wire-1");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        var balance = await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance");
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(5_000));
    }

    [Test]
    public async Task SubmitBatch_SameIdempotencyKeyWithAnotherBody_Is422NamingTheKey_AndCreatesNothingMore()
    {
        var requester = As("requester");
        using var first = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Batch(items: 2), idempotencyKey: "batch-8");
        using var other = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Batch(items: 3), idempotencyKey: "batch-8");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), "not the first batch's answer for another batch");
        Assert.That((await ProblemAsync(other)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("Idempotency-Key"));
        Assert.That((await requester.GetAsync("/v1/batches")).GetProperty("items").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task SubmitBatch_SameIdempotencyKeySentSixTimesAtOnce_CreatesOneBatch()
    {
        var requester = As("requester");
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", Batch(), idempotencyKey: "batch-9");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        // Each duplicate either waited for the first and replays it, or met its key while it committed (409, its own work undone).
        Assert.That(answers.Select(a => a.StatusCode), Is.All.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.Conflict));
        Assert.That(answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Body).Distinct().Count(), Is.EqualTo(1));
        Assert.That((await requester.GetAsync("/v1/batches")).GetProperty("items").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Deposit_AnotherAdminsSameIdempotencyKey_IsAnotherDeposit_AndAnotherAmountUnderOnesOwnKeyIs422()
    {
        var requester = As("requester");
        var first = As("admin");
        var second = As("admin");
        var path = $"/v1/requesters/{requester.Subject}/deposits";
        foreach (var admin in new[] { first, second, first })
        {
            using var response = await admin.SendAsync(HttpMethod.Post, path, new { amountCents = 5_000, reference = "wire-2" }, idempotencyKey: "wire-2");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        using (var changed = await first.SendAsync(HttpMethod.Post, path, new { amountCents = 7_000, reference = "wire-2" }, idempotencyKey: "wire-2"))
        {
            Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        }

        // Keys are each principal's: the second admin's wire moved money too; the first admin's repeat did not, nor did the change.
        var balance = await requester.GetAsync($"/v1/requesters/{requester.Subject}/balance");
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(10_000));
    }
}
