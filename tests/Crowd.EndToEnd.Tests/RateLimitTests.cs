using System.Net;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10, point 3, through the gateway with the operator defaults (API.md Limits): a worker's claims are rate-limited
/// per principal (429 with <c>Retry-After</c>, counted in <c>/metrics</c>), and a worker holds at most
/// <c>maxOpenClaims</c> (5) open claims (409 <c>claim-limit</c>).
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class RateLimitTests
{
    [Test]
    public async Task Claims_FortyInABurstByOneWorker_AreThrottledWith429AndRetryAfter_AndAnotherWorkerIsNot()
    {
        // A client that does not retry, so each answer is the server's first.
        using var impatient = new HttpClient { BaseAddress = CrowdFixture.Crowd.Gateway };
        var burster = await WorkerAsync("burst-only");
        var bystander = await WorkerAsync("burst-only");
        var worker = new CrowdClient(impatient, CrowdFixture.Crowd.Tokens, burster.Subject, "worker");

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")));

        var throttled = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        // A bucket of 20, refilled at 10 a second: however slowly the 40 arrive, at most 20 plus what was refilled meanwhile pass.
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.NoContent), Is.InRange(20, 30), "nothing to claim: 204 while under the limit");
        Assert.That(throttled, Has.Count.InRange(10, 20));
        var problem = await ProblemAsync(throttled[0]);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(429));
        Assert.That(throttled[0].Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        var bystanderClient = new CrowdClient(impatient, CrowdFixture.Crowd.Tokens, bystander.Subject, "worker");
        Assert.That(await StatusAsync(bystanderClient.SendAsync(HttpMethod.Post, $"/v1/workers/{bystander.Subject}/claims")),
            Is.EqualTo(HttpStatusCode.NoContent), "another principal has a bucket of its own");

        await Task.Delay(throttled[0].Headers.RetryAfter!.Delta!.Value);
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent),
            "served again after Retry-After");
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        using var scrape = await impatient.GetAsync($"http://127.0.0.1:{CrowdFixture.Crowd.Port("Assignment")}/metrics");
        var metrics = await scrape.Content.ReadAsStringAsync();
        Assert.That(metrics, Does.Match("""aspnetcore_rate_limiting_requests_total\{[^}]*aspnetcore_rate_limiting_policy="claims"[^}]*aspnetcore_rate_limiting_result="endpoint_limiter"[^}]*\} [1-9]"""));
    }

    [Test]
    public async Task BatchPosts_TwentyInABurstByOneRequester_AreThrottledAfterTheBurstOfTen()
    {
        using var impatient = new HttpClient { BaseAddress = CrowdFixture.Crowd.Gateway };
        var requester = new CrowdClient(impatient, CrowdFixture.Crowd.Tokens, $"requester-{Guid.NewGuid():N}"[..22], "requester");

        // Bodies that would be 400: the limit is taken before the body is read, so even these count.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => requester.SendAsync(HttpMethod.Post, "/v1/batches", new { })));

        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest), Is.InRange(10, 15));
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests), Is.InRange(5, 10));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Test]
    public async Task Claim_BeyondFiveOpenClaims_Is409ClaimLimit_UntilOneIsReleased()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 7, min: 1, max: 1);
        var worker = await WorkerAsync(qualification);
        var claims = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            claims.Add((await ClaimAsync(worker)).GetProperty("claimId").GetString()!);
        }

        using (var refused = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims"))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That((await ProblemAsync(refused)).GetProperty("state").GetString(), Is.EqualTo("claim-limit"));
        }

        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claims[0]}/release")), Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.Created));
    }
}
