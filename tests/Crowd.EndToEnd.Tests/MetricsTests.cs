using System.Globalization;
using System.Text.RegularExpressions;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// <c>/metrics</c> on every service (issue 11, point 2): Prometheus text without a token, the platform's own figures among
/// ASP.NET Core's, and they move with what the platform does: a claim and a submission count once each, when committed.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class MetricsTests
{
    [Test]
    public async Task EveryService_ServesPrometheusText_WithTheOutboxGauges()
    {
        foreach (var service in Infrastructure.CrowdProcesses.Services)
        {
            var metrics = await ScrapeAsync(service);

            Assert.That(metrics, Does.Contain("# TYPE crowd_outbox_pending gauge"), service);
            Assert.That(metrics, Does.Contain("crowd_outbox_parked_rows"), service);
            Assert.That(metrics, Does.Contain("http_server_request_duration_seconds_bucket"), service);
        }
    }

    [Test]
    public async Task AClaimAndASubmission_AreCountedOnceEach()
    {
        var (_, _, qualification) = await OpenBatchAsync(items: 1);
        var worker = await WorkerAsync(qualification);
        var before = await ScrapeAsync("Assignment");

        var claim = await ClaimAsync(worker);
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId").GetString()}/submission", new { annotation = new { label = "nodule" } });

        var after = await ScrapeAsync("Assignment");
        Assert.That(Sum(after, "crowd_claims_total", "outcome=\"claimed\"") - Sum(before, "crowd_claims_total", "outcome=\"claimed\""), Is.EqualTo(1));
        Assert.That(
            Sum(after, "crowd_messages_committed_total", "type=\"AnnotationSubmitted\"") - Sum(before, "crowd_messages_committed_total", "type=\"AnnotationSubmitted\""),
            Is.EqualTo(1));
    }

    [Test]
    public async Task TheGatewaysMetrics_AreForAdminsOnly_AndGatherEveryInstancesOwnFigures()
    {
        using (var anonymous = await Http.GetAsync("/v1/metrics"))
        {
            Assert.That(anonymous.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized));
            Assert.That(anonymous.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }

        foreach (var role in new[] { "requester", "worker", "qa" })
        {
            Assert.That(await StatusAsync(As(role).SendAsync(HttpMethod.Get, "/v1/metrics")), Is.EqualTo(System.Net.HttpStatusCode.Forbidden), role);
        }

        // A figure that does not move while we look: claims answered "none", after one more of them.
        var idle = await WorkerAsync();
        await idle.CallAsync(HttpMethod.Post, $"/v1/workers/{idle.Subject}/claims", expected: [System.Net.HttpStatusCode.NoContent]);
        var own = Sum(await ScrapeAsync("Assignment"), "crowd_claims_total", "outcome=\"none\"");
        var gathered = await As("admin").GetAsync("/v1/metrics");

        var services = gathered.GetProperty("services").EnumerateArray().ToList();
        Assert.That(services.Select(s => s.GetProperty("service").GetString()), Is.EquivalentTo(new[] { "slicing", "assignment", "consensus", "payouts" }));
        Assert.That(services.Select(s => s.GetProperty("up").GetBoolean()), Is.All.True);
        var assignment = services.Single(s => s.GetProperty("service").GetString() == "assignment").GetProperty("metrics").EnumerateArray()
            .Where(m => m.GetProperty("name").GetString() == "crowd_claims_total"
                && m.GetProperty("labels").TryGetProperty("outcome", out var outcome) && outcome.GetString() == "none")
            .Sum(m => m.GetProperty("value").GetDouble());
        Assert.That(assignment, Is.EqualTo(own), "the figure assignment's own /metrics gives");
        Assert.That(services.SelectMany(s => s.GetProperty("metrics").EnumerateArray()).Select(m => m.GetProperty("name").GetString()),
            Is.All.StartWith("crowd_"), "the platform's own series only");
    }

    private static async Task<string> ScrapeAsync(string service)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{CrowdFixture.Crowd.Port(service)}/metrics");
    }

    private static double Sum(string metrics, string name, string label) =>
        Regex.Matches(metrics, $@"^{Regex.Escape(name)}\{{[^}}]*{Regex.Escape(label)}[^}}]*\}} (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
}
