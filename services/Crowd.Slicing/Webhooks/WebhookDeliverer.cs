using System.Net;
using System.Net.Sockets;
using System.Text;
using Crowd.Data;
using Crowd.Data.Observability;
using Crowd.Data.Outbox;
using Crowd.ServiceDefaults;
using Crowd.Slicing.Options;
using Microsoft.Extensions.Options;

namespace Crowd.Slicing.Webhooks;

/// <summary>
/// Sends the recorded webhook events (<see cref="WebhookEvents"/>), at least once each. Every instance takes a few due
/// deliveries at a time under a lease (<c>FOR UPDATE SKIP LOCKED</c>, committed before sending), so several instances
/// share the work and one that dies mid-send leaves its deliveries due again when the lease ends. A 2xx answer within
/// the timeout delivers it; anything else is retried with exponential backoff (the first retry after 5 s) for 25 h
/// (<see cref="WebhookOptions.GiveUpAfter"/>), then marked failed; a requester may redeliver any of them.
/// </summary>
public sealed class WebhookDeliverer(
    Database database, IHttpClientFactory httpClients, IOptions<WebhookOptions> options, ILogger<WebhookDeliverer> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private sealed record Due(Guid DeliveryId, string RequesterId, string Url, string Body, int Attempts);

    private sealed record Outcome(Guid DeliveryId, bool Delivered, int? Status, string? Error, int Attempt);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                // A full batch: more may be due at once.
                if (await DeliverDueAsync(token) < options.Value.BatchSize)
                {
                    await Task.Delay(options.Value.PollInterval, token);
                }
            },
            options.Value.PollInterval, logger, "Webhook delivery failed; trying again shortly", stoppingToken);

    private async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        IReadOnlyList<Due> due;
        ILookup<string, string> secrets;
        await using (var work = await database.BeginAsync(cancellationToken))
        {
            due = (await work.QueryAsync<Due>("""
                UPDATE webhook_deliveries d SET next_attempt_at = now() + @lease
                FROM (SELECT delivery_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT @limit FOR UPDATE SKIP LOCKED) taken
                WHERE d.delivery_id = taken.delivery_id
                RETURNING d.delivery_id, d.requester_id, d.url, d.body, d.attempts
                """, new { lease = settings.Timeout + TimeSpan.FromSeconds(5), limit = settings.BatchSize })).ToList();
            secrets = (await work.QueryAsync<(string RequesterId, string Secret)>("""
                SELECT requester_id, secret FROM webhook_secrets
                WHERE requester_id = ANY(@requesters) AND (expires_at IS NULL OR expires_at > now())
                ORDER BY created_at DESC
                """, new { requesters = due.Select(d => d.RequesterId).Distinct().ToArray() })).ToLookup(s => s.RequesterId, s => s.Secret);
            await work.CommitAsync();
        }

        if (due.Count == 0)
        {
            return 0;
        }

        var outcomes = await Task.WhenAll(due.Select(d => SendAsync(d, secrets[d.RequesterId], cancellationToken)));
        await using (var work = await database.BeginAsync(cancellationToken))
        {
            foreach (var outcome in outcomes)
            {
                await RecordAsync(work, outcome, settings);
            }

            await work.CommitAsync();
        }

        return due.Count;
    }

    private async Task<Outcome> SendAsync(Due delivery, IEnumerable<string> secrets, CancellationToken cancellationToken)
    {
        var attempt = delivery.Attempts + 1;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
            };
            if (secrets.Any())
            {
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(delivery.Body, DateTimeOffset.UtcNow, secrets));
            }

            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            return new Outcome(delivery.DeliveryId, response.IsSuccessStatusCode, status, response.IsSuccessStatusCode ? null : $"HTTP {status}", attempt);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new Outcome(delivery.DeliveryId, false, null, exception is TaskCanceledException ? "no answer within the timeout" : exception.Message, attempt);
        }
    }

    private static async Task RecordAsync(UnitOfWork work, Outcome outcome, WebhookOptions settings)
    {
        if (outcome.Delivered)
        {
            await work.ExecuteAsync("""
                UPDATE webhook_deliveries SET status = 'delivered', attempts = @Attempt, last_status = @Status, last_error = NULL, delivered_at = now()
                WHERE delivery_id = @DeliveryId
                """, outcome);
            CrowdMetrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
            return;
        }

        var retryIn = Backoff(outcome.Attempt, settings);
        var status = await work.ExecuteScalarAsync<string>("""
            UPDATE webhook_deliveries SET attempts = @Attempt, last_status = @Status, last_error = @Error, next_attempt_at = now() + @retryIn,
                status = CASE WHEN now() + @retryIn > retrying_since + @giveUpAfter THEN 'failed' ELSE 'pending' END
            WHERE delivery_id = @DeliveryId
            RETURNING status
            """, new { outcome.Attempt, outcome.Status, outcome.Error, retryIn, giveUpAfter = settings.GiveUpAfter, outcome.DeliveryId });
        CrowdMetrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", status == "failed" ? "failed" : "retrying"));
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th failed attempt: <c>FirstRetry</c> · 2^(attempt − 1), at most <c>MaxBackoff</c>.</summary>
    public static TimeSpan Backoff(int attempt, WebhookOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var doubled = settings.FirstRetry.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(doubled, settings.MaxBackoff.TotalSeconds));
    }

    /// <summary>
    /// The handler webhooks are sent with. In Production it connects only to public addresses, checked on the address
    /// actually connected to after the name is resolved, so a callback host that resolves to this machine or a private
    /// network (at submission, or only later: DNS rebinding) is never reached.
    /// </summary>
    public static SocketsHttpHandler Handler(bool production) => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = production ? ConnectToPublicAddressAsync : null,
    };

    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var allowed = addresses.Where(a => !ProductionSafety.IsPrivateAddress(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves only to this machine or private networks; not called in Production.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public static class WebhookRegistration
{
    /// <summary>The deliverer, its options (section <c>Webhooks</c>) and its HTTP client (the timeout, and in Production only public addresses).</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
        var timeout = builder.Configuration.GetSection("Webhooks").Get<WebhookOptions>()?.Timeout ?? new WebhookOptions().Timeout;
        builder.Services.AddHttpClient(WebhookDeliverer.HttpClientName, client => client.Timeout = timeout)
            .ConfigurePrimaryHttpMessageHandler(() => WebhookDeliverer.Handler(builder.Environment.IsProduction()));
        builder.Services.AddHostedService<WebhookDeliverer>();
        return builder;
    }
}
