using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.Data.Outbox;

public sealed class OutboxOptions
{
    /// <summary>Longest sleep between looks at the table when no NOTIFY arrives (a safety net, not the normal path).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 200;

    /// <summary>Off in tests that need rows to stay unsent, as a killed relay would leave them.</summary>
    public bool RelayEnabled { get; set; } = true;
}

/// <summary>
/// Publishes outbox rows in <c>seq</c> order with publisher confirms, MessageId = row id, then marks them sent.
/// One relay per database holds a session advisory lock, so instances scaled out never reorder each other's rows.
/// A crash between publish and mark re-publishes on restart; consumers' inboxes drop the duplicate.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IBus bus, IOptions<OutboxOptions> options, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private const long RelayLockKey = 0x52656c6179; // "Relay"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RelayEnabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RelayWhileLeaderAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Outbox relay failed; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task RelayWhileLeaderAsync(CancellationToken stoppingToken)
    {
        await using var listener = await dataSource.OpenConnectionAsync(stoppingToken);
        if (!await listener.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = RelayLockKey }))
        {
            await Task.Delay(options.Value.PollInterval, stoppingToken);
            return;
        }

        await listener.ExecuteAsync("LISTEN crowd_outbox");
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await RelayBatchAsync(stoppingToken) < options.Value.BatchSize)
            {
                // Wakes on the NOTIFY of the next commit that writes the outbox, or after the poll interval.
                await listener.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
        }
    }

    private async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        const string pending = """
            SELECT seq, id, message_type, body::text AS body
            FROM outbox
            WHERE sent_at IS NULL
            ORDER BY seq
            LIMIT @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<OutboxRow>(pending, new { limit = options.Value.BatchSize })).ToList();
        if (rows.Count == 0)
        {
            return 0;
        }

        // One at a time, each confirmed before the next: started together, MassTransit's publishes can reach the
        // broker out of order (the ordering test catches it), and consumers rely on commit order.
        foreach (var row in rows)
        {
            var type = MessageTypes.Resolve(row.MessageType);
            var message = JsonSerializer.Deserialize(row.Body, type, MessageTypes.Json)!;
            await bus.Publish(message, type, context => context.MessageId = row.Id, cancellationToken);
        }

        await connection.ExecuteAsync(
            "UPDATE outbox SET sent_at = now() WHERE seq = ANY(@seqs)", new { seqs = rows.Select(r => r.Seq).ToArray() });
        return rows.Count;
    }

    private sealed record OutboxRow(long Seq, Guid Id, string MessageType, string Body);
}
