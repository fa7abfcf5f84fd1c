using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>The steps every label schema kind's end-to-end tests take: annotate, find the disagreement, read results, check the money.</summary>
public static class KindSteps
{
    public static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    /// <summary>The worker claims <paramref name="count"/> tasks in turn and answers each by its content.</summary>
    public static async Task AnnotateAllAsync(CrowdClient worker, int count, Func<string, object> answer)
    {
        for (var i = 0; i < count; i++)
        {
            var claim = await ClaimAsync(worker);
            var uri = claim.GetProperty("content").GetProperty("contentUri").GetString()!;
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = answer(uri) },
                expected: [HttpStatusCode.Accepted]);
        }
    }

    /// <summary>The batch's one open disagreement, once consensus has escalated it.</summary>
    public static async Task<JsonElement> OnlyDisagreementAsync(CrowdClient qa, Guid batchId) =>
        (await Eventually.WaitForAsync(
            () => qa.GetAsync($"/v1/disagreements?batchId={batchId}&status=open"),
            p => p.GetProperty("items").GetArrayLength() == 1, Arrival, "the disagreement")).GetProperty("items")[0];

    public static async Task<Dictionary<string, JsonElement>> ResultsAsync(CrowdClient requester, Guid batchId) =>
        (await requester.GetAsync($"/v1/batches/{batchId}/results")).GetProperty("items").EnumerateArray()
            .ToDictionary(r => r.GetProperty("externalId").GetString()!);

    /// <summary>The CSV's label column (the 9th), one per result row.</summary>
    public static async Task<string[]> CsvLabelsAsync(CrowdClient requester, Guid batchId)
    {
        using var csv = await requester.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/results?format=csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Skip(1).Select(l => l.Split(',')[8]).ToArray();
    }

    /// <summary>Every annotation of the worker is paid its 40 cents reward, once.</summary>
    public static async Task PaidOnceAsync(CrowdClient worker, int annotations)
    {
        var earnings = await Eventually.WaitForAsync(
            () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
            e => e.GetProperty("lines").GetArrayLength() >= annotations, Arrival, $"{worker.Subject}'s rewards");
        var rewards = earnings.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("kind").GetString() == "reward").ToList();
        Assert.That(rewards.Select(l => l.GetProperty("annotationId").GetString()).ToList(), Is.Unique.And.Count.EqualTo(annotations));
        Assert.That(rewards.Sum(l => l.GetProperty("amountCents").GetInt64()), Is.EqualTo(annotations * 40));
    }

    public static async Task LedgerBalancedAsync()
    {
        var check = await As("admin").GetAsync("/v1/ledger/check");
        Assert.That(check.GetProperty("balanced").GetBoolean(), Is.True);
        Assert.That(check.GetProperty("negativeAccounts").GetArrayLength(), Is.Zero);
        Assert.That(check.GetProperty("paidButPending").GetInt64(), Is.Zero);
    }

    /// <summary>A batch with <paramref name="schema"/> is refused with 400 naming <paramref name="field"/>, and nothing is created.</summary>
    public static Task SchemaRefusedAsync(string schema, string field) => BatchRefusedAsync("labelSchema", schema, field);

    /// <summary>A batch whose <paramref name="property"/> is <paramref name="json"/> is refused with 400 naming <paramref name="field"/>, and nothing is created.</summary>
    public static async Task BatchRefusedAsync(string property, string json, string field)
    {
        var requester = As("requester");
        var body = Batch();
        body[property] = JsonDocument.Parse(json).RootElement;

        using var response = await requester.SendAsync(HttpMethod.Post, "/v1/batches", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That((await requester.GetAsync("/v1/batches")).GetProperty("items").GetArrayLength(), Is.Zero);
    }

    /// <summary>
    /// A submission of <paramref name="payload"/> to a task of <paramref name="schema"/> is 422 naming <paramref name="field"/>,
    /// stores nothing, and the claim stays open for the <paramref name="valid"/> payload.
    /// </summary>
    public static async Task PayloadRefusedAsync(object schema, string payload, string field, object valid)
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1, change: body => body["labelSchema"] = schema);
        var worker = await WorkerAsync(qualification);
        var claimId = (await ClaimAsync(worker)).GetProperty("claimId").GetString();

        using var wrong = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = JsonDocument.Parse(payload).RootElement });

        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await ProblemAsync(wrong)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        Assert.That(await ScalarAsync("Assignment", $"SELECT count(*) FROM annotations WHERE claim_id = '{claimId}'"), Is.Zero);
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = valid })),
            Is.EqualTo(HttpStatusCode.Accepted));
    }

    /// <summary>QA's resolution of disagreement <paramref name="id"/> with <paramref name="wrong"/> is 422 naming <paramref name="field"/>; then <paramref name="right"/> is taken.</summary>
    public static async Task ResolveAfterRefusalAsync(CrowdClient qa, string? id, object wrong, string field, object right)
    {
        using (var refused = await qa.SendAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = wrong }))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), field);
            Assert.That((await ProblemAsync(refused)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
        }

        await qa.CallAsync(HttpMethod.Post, $"/v1/disagreements/{id}/resolution", new { label = right, note = "resolved by QA" }, expected: [HttpStatusCode.Accepted]);
    }
}
