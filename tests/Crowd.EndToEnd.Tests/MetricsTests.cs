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

    private static async Task<string> ScrapeAsync(string service)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{CrowdFixture.Crowd.Port(service)}/metrics");
    }

    private static double Sum(string metrics, string name, string label) =>
        Regex.Matches(metrics, $@"^{Regex.Escape(name)}\{{[^}}]*{Regex.Escape(label)}[^}}]*\}} (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
}
