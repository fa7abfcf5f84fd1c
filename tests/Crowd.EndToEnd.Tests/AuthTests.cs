using System.Net;
using Crowd.EndToEnd.Tests.Infrastructure;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

[TestFixture]
[Category("EndToEnd")]
public sealed class AuthTests
{
    [Test]
    public async Task Request_WithoutToken_Is401()
    {
        Assert.That(await StatusAsync(Http.GetAsync(new Uri("/v1/batches", UriKind.Relative))), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await StatusAsync(Http.GetAsync(new Uri("/v1/ledger/check", UriKind.Relative))), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Request_WithTokenSignedByAnotherKey_Is401()
    {
        var forged = new Crowd.Cli.Auth.TokenIssuer(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)).Issue("mallory", ["admin"]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/ledger/check");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", forged);
        Assert.That(await StatusAsync(Http.SendAsync(request)), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Request_WithWrongRole_Is403()
    {
        var worker = As("worker");
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, "/v1/batches", Batch())), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Get, "/v1/ledger/check")), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Post, "/v1/requesters/x/deposits", new { amountCents = 5, reference = "r" })),
            Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(As("requester").SendAsync(HttpMethod.Get, "/v1/disagreements")), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Resource_OfAnotherPrincipal_Is404()
    {
        var (owner, batchId, qualification) = await OpenBatchAsync();
        var stranger = As("requester");
        Assert.That(await StatusAsync(stranger.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(stranger.SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}/results")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(stranger.SendAsync(HttpMethod.Get, $"/v1/requesters/{owner.Subject}/balance")), Is.EqualTo(HttpStatusCode.NotFound));

        var worker = await WorkerAsync(qualification);
        var claim = await ClaimAsync(worker);
        var otherWorker = await WorkerAsync(qualification);
        Assert.That(await StatusAsync(otherWorker.SendAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId")}/submission",
            new { annotation = new { label = "nodule" } })), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(otherWorker.SendAsync(HttpMethod.Get, $"/v1/workers/{worker.Subject}/earnings")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(otherWorker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NotFound));

        // An admin may look at anyone's.
        Assert.That(await StatusAsync(As("admin").SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}")), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task HealthAndOpenApi_WithoutToken_Answer200()
    {
        Assert.That(await StatusAsync(Http.GetAsync(new Uri("/health/ready", UriKind.Relative))), Is.EqualTo(HttpStatusCode.OK));
        foreach (var service in new[] { "Slicing", "Assignment", "Consensus", "Payouts" })
        {
            using var direct = new HttpClient();
            var port = CrowdFixture.Crowd.Port(service);
            Assert.That(await StatusAsync(direct.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"))), Is.EqualTo(HttpStatusCode.OK), service);
            Assert.That(await StatusAsync(direct.GetAsync(new Uri($"http://127.0.0.1:{port}/openapi/v1.json"))), Is.EqualTo(HttpStatusCode.OK), service);
        }
    }
}
