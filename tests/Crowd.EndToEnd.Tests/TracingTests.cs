using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 11, point 1: a W3C <c>traceparent</c> sent to the gateway with a batch is continued through slicing, its outbox
/// rows and RabbitMQ into every service that handles what follows (payouts' escrow, consensus's owner record,
/// assignment's pool): each one's JSON log lines for those messages carry the caller's trace id.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class TracingTests
{
    [Test]
    public async Task ATraceparentSentWithABatch_ReachesAllFourServices()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 10_000, reference = "trace" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = JsonContent.Create(Batch(items: 1, "traced")) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CrowdFixture.Crowd.Tokens.Issue(requester.Subject, ["requester"]));
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(202), await response.Content.ReadAsStringAsync());

        foreach (var service in Infrastructure.CrowdProcesses.Services)
        {
            // The batch's messages reach the service a moment later: BatchSubmitted, BatchFunded, TasksReleased, AuditEventsRecorded.
            await Eventually.WaitForAsync(
                () => Task.FromResult(CrowdFixture.Crowd.LogText(service)), log => log.Contains(traceId, StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), $"{service} to log a message of trace {traceId}");
        }
    }
}
