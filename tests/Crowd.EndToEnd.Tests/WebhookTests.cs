using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md "Webhooks" against a real HTTP receiver that fails each event's first two attempts: every event of a batch
/// arrives, signed with the requester's secrets, under the same id on every attempt, and the delivery list shows it
/// delivered on the third; a redelivery sends it once more.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class WebhookTests
{
    [Test]
    public async Task ABatchsEvents_ReachAReceiverThatFailsTwice_SignedAndUnderOneIdEach_AndCanBeRedelivered()
    {
        using var receiver = new Receiver(failuresPerEvent: 2);
        var requester = As("requester");
        var oldSecret = await NewSecretAsync(requester);
        var secret = await NewSecretAsync(requester);
        Assert.That(secret, Is.Not.EqualTo(oldSecret));

        // One worker's answer (reliability 0.8 as new) meets a threshold of 0.6: one annotation completes the batch.
        var (owner, batchId, qualification) = await OpenBatchAsync(items: 1, change: body =>
        {
            body["callbackUrl"] = receiver.Url;
            body["acceptance"] = new { threshold = 0.6 };
        });
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => new { label = "nodule" });
        await WaitForBatchAsync(owner, batchId, "completed");

        var types = new[] { "batch.funded", "item.final", "batch.completed" };
        var deliveries = await Eventually.WaitForAsync(
            () => owner.GetAsync($"/v1/requesters/{owner.Subject}/webhook-deliveries?status=delivered"),
            page => page.GetProperty("items").GetArrayLength() == types.Length, TimeSpan.FromSeconds(90), "three events delivered");
        var items = deliveries.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(d => d.GetProperty("type").GetString()), Is.EquivalentTo(types));
        Assert.That(items.Select(d => d.GetProperty("attempts").GetInt32()), Is.All.EqualTo(3));
        Assert.That(items.Select(d => d.GetProperty("batchId").GetGuid()), Is.All.EqualTo(batchId));

        foreach (var delivery in items)
        {
            var id = delivery.GetProperty("deliveryId").GetGuid();
            var attempts = receiver.Received[id].ToList();
            Assert.That(attempts, Has.Count.EqualTo(3), "two failures, then the delivery");
            Assert.That(attempts.Select(a => a.Body).Distinct().Count(), Is.EqualTo(1), "the same event on every attempt");
            using var body = JsonDocument.Parse(attempts[0].Body);
            Assert.That(body.RootElement.GetProperty("id").GetGuid(), Is.EqualTo(id));
            Assert.That(body.RootElement.GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
            foreach (var attempt in attempts)
            {
                // The batch's owner has asked for no secret yet: its events go unsigned.
                Assert.That(attempt.Signature, Is.Null, "the batch's owner has no secret");
            }
        }

        // The owner asks for a secret; a redelivered event is signed with it (and verifies), under its old id.
        var ownerSecret = await NewSecretAsync(owner);
        var completed = items.Single(d => d.GetProperty("type").GetString() == "batch.completed").GetProperty("deliveryId").GetGuid();
        await owner.CallAsync(HttpMethod.Post, $"/v1/webhook-deliveries/{completed}/redeliver", expected: [HttpStatusCode.Accepted]);
        await Eventually.WaitForAsync(() => Task.FromResult(receiver.Received[completed].Count), n => n == 4, TimeSpan.FromSeconds(30), "the redelivery");
        var redelivered = receiver.Received[completed].Last();
        Assert.That(Verifies(redelivered, ownerSecret), Is.True, "signed with the owner's secret");
        Assert.That(Verifies(redelivered, secret), Is.False, "not with another requester's");

        // Another requester sees none of it.
        Assert.That((await requester.GetAsync($"/v1/requesters/{requester.Subject}/webhook-deliveries")).GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Get, $"/v1/requesters/{owner.Subject}/webhook-deliveries")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Post, $"/v1/webhook-deliveries/{completed}/redeliver")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(owner.SendAsync(HttpMethod.Get, $"/v1/requesters/{owner.Subject}/webhook-deliveries?status=lost")), Is.EqualTo(HttpStatusCode.UnprocessableEntity));
    }

    [Test]
    public async Task DuringARotation_BothSecretsSign()
    {
        using var receiver = new Receiver(failuresPerEvent: 0);
        var requester = As("requester");
        var old = await NewSecretAsync(requester);
        var current = await NewSecretAsync(requester);
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 10_000, reference = "test" });
        var body = Batch(items: 1);
        body["callbackUrl"] = receiver.Url;
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", body))!.Value.GetProperty("batchId").GetGuid();

        var funded = await Eventually.WaitForAsync(() => Task.FromResult(receiver.Received.Values.SelectMany(a => a).ToList()),
            all => all.Count > 0, TimeSpan.FromSeconds(30), "batch.funded");
        Assert.That(JsonDocument.Parse(funded[0].Body).RootElement.GetProperty("type").GetString(), Is.EqualTo("batch.funded"));
        Assert.That(JsonDocument.Parse(funded[0].Body).RootElement.GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
        Assert.That(Verifies(funded[0], current) && Verifies(funded[0], old), Is.True, "a receiver holding either secret can check it");
    }

    private static async Task<string> NewSecretAsync(CrowdClient requester) =>
        (await requester.CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/webhook-secret"))!.Value.GetProperty("secret").GetString()!;

    /// <summary>A receiver's check, as API.md tells it: some v1 is HMAC-SHA256(secret, "t.body").</summary>
    private static bool Verifies(Attempt attempt, string secret)
    {
        if (attempt.Signature is null)
        {
            return false;
        }

        var parts = attempt.Signature.Split(',').Select(p => p.Split('=', 2)).ToList();
        var t = parts.Single(p => p[0] == "t")[1];
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{attempt.Body}")));
        return parts.Where(p => p[0] == "v1").Any(p => p[1] == expected);
    }

    private sealed record Attempt(string Body, string? Signature);

    /// <summary>An HTTP receiver on a loopback port that answers 500 to each event's first attempts, then 200.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _failuresPerEvent;

        public Receiver(int failuresPerEvent)
        {
            _failuresPerEvent = failuresPerEvent;
            Url = $"http://127.0.0.1:{LoopbackPorts.Free()}/hooks/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public ConcurrentDictionary<Guid, List<Attempt>> Received { get; } = new();

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
                var attempts = Received.GetOrAdd(id, _ => []);
                int seen;
                lock (attempts)
                {
                    attempts.Add(new Attempt(body, context.Request.Headers["Crowd-Signature"]));
                    seen = attempts.Count;
                }

                context.Response.StatusCode = seen <= _failuresPerEvent ? 500 : 200;
                context.Response.Close();
            }
        }
    }
}
