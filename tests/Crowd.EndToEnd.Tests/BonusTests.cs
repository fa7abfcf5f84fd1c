using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Quality-linked pay (API.md <c>bonus</c>): each annotation that agrees with its task's final label earns the batch's
/// bonus on top of its reward, from the escrow, when the task is finalized; the maximum cost held covers it.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class BonusTests
{
    private const long Reward = 40, Fee = 4, Bonus = 10, BonusFee = 1; // the platform's 10 %, rounded down

    [Test]
    public async Task Bonus_TwoWorkersAgreeWithTheFinalLabelOneDoesNot_OnlyTheAgreeingOnesEarnIt()
    {
        // One task, three annotations before any decision; 2 to 1 from new workers (prior accuracy 0.8) is a posterior of 0.8.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 3, max: 3, change: batch =>
        {
            batch["acceptance"] = new { threshold = 0.75 };
            batch["bonus"] = new { cents = Bonus, when = "agrees-with-final" };
        });
        var agreeing = new[] { await WorkerAsync(qualification), await WorkerAsync(qualification) };
        var disagreeing = await WorkerAsync(qualification);
        foreach (var (worker, label) in agreeing.Select(w => (w, "nodule")).Append((disagreeing, "no-nodule")))
        {
            var claim = await ClaimAsync(worker);
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission",
                new { annotation = new { label } }, expected: [HttpStatusCode.Accepted]);
        }

        var batch = await WaitForBatchAsync(requester, batchId, "completed");
        // 1 task × (3 + 2) × (40 + 10) × 1.1.
        Assert.That(batch.GetProperty("maxCostCents").GetInt64(), Is.EqualTo(275));
        var result = (await ResultsAsync(requester, batchId)).Values.Single();
        Assert.That(result.GetProperty("label").GetProperty("label").GetString(), Is.EqualTo("nodule"));

        foreach (var worker in agreeing)
        {
            var earnings = await EarningsAsync(worker, lines: 2);
            Assert.That(Kinds(earnings), Is.EquivalentTo(new[] { ("reward", Reward), ("bonus", Bonus) }));
            var lines = earnings.GetProperty("lines").EnumerateArray().ToList();
            Assert.That(lines.Select(l => l.GetProperty("annotationId").GetString()).Distinct().Count(), Is.EqualTo(1), "both for the one annotation");
            Assert.That(earnings.GetProperty("payableCents").GetInt64(), Is.EqualTo(Reward + Bonus));
            Assert.That(earnings.GetProperty("pendingCents").GetInt64(), Is.Zero);
            var annotationId = lines[0].GetProperty("annotationId").GetString();
            var bonusEvent = (await AuditTests.EventsAsync($"subjectId={annotationId}", e => e.Any(x => x.Action == "money.bonus")))
                .Single(e => e.Action == "money.bonus");
            Assert.That(bonusEvent.Detail, Does.Contain($"bonus:{annotationId}"));
        }

        var disagreed = await EarningsAsync(disagreeing, lines: 1);
        Assert.That(Kinds(disagreed), Is.EqualTo(new[] { ("reward", Reward) }));
        Assert.That(disagreed.GetProperty("payableCents").GetInt64(), Is.EqualTo(Reward));

        // Three rewards and two bonuses, each with its fee, were spent; the rest of the escrow came back.
        const long spent = 3 * (Reward + Fee) + 2 * (Bonus + BonusFee);
        var balance = await Eventually.WaitForAsync(
            () => requester.GetAsync($"/v1/requesters/{requester.Subject}/balance"),
            b => b.GetProperty("escrowCents").GetInt64() == 0, Arrival, "the escrow to settle");
        Assert.That(balance.GetProperty("spentCents").GetInt64(), Is.EqualTo(spent));
        Assert.That(batch.GetProperty("spentCents").GetInt64(), Is.EqualTo(spent), "the batch's own figure counts the bonuses too");
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.EqualTo(100_000 - spent));
        await Eventually.WaitForAsync(
            () => ScalarTextAsync("Payouts", $"SELECT status FROM batch_escrows WHERE batch_id = '{batchId}'"),
            status => status == "settled", Arrival, "the escrow to be settled");
        await LedgerBalancedAsync();
    }

    [TestCase("{\"cents\": -1, \"when\": \"agrees-with-final\"}", "bonus.cents")]
    [TestCase("{\"cents\": 1000001}", "bonus.cents")]
    [TestCase("{\"cents\": 2.5}", "bonus.cents")]
    [TestCase("{\"cents\": \"five\"}", "bonus.cents")]
    [TestCase("{\"when\": \"agrees-with-final\"}", "bonus.cents")]
    [TestCase("{\"cents\": 5, \"when\": \"always\"}", "bonus.when")]
    public Task SubmitBatch_BadBonus_Is400NamingTheFieldAndStoresNothing(string bonus, string field) => BatchRefusedAsync("bonus", bonus, field);

    private static Task<JsonElement> EarningsAsync(CrowdClient worker, int lines) =>
        Eventually.WaitForAsync(
            () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
            e => e.GetProperty("lines").GetArrayLength() >= lines, Arrival, $"{worker.Subject}'s earnings");

    private static (string Kind, long Cents)[] Kinds(JsonElement earnings) =>
        [.. earnings.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("kind").GetString()!, l.GetProperty("amountCents").GetInt64()))];
}
