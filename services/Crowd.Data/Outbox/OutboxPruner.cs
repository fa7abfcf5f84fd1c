using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>
/// Deletes sent outbox rows older than <see cref="OutboxOptions.KeepSent"/>, inbox rows older than
/// <see cref="OutboxOptions.KeepInbox"/> and idempotency keys older than <see cref="OutboxOptions.KeepIdempotencyKeys"/>
/// (never under 24 hours), in chunks, every <see cref="OutboxOptions.PruneInterval"/>. Unsent and parked rows stay. Safe
/// with any number of instances: a row deleted twice is deleted once.
/// </summary>
public sealed class OutboxPruner(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options, ILogger<OutboxPruner> logger) : BackgroundService
{
    private const int Chunk = 5_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                await PruneAsync(dataSource, options.Value, token);
                await Task.Delay(options.Value.PruneInterval, token);
            },
            options.Value.PruneInterval, logger, "Pruning the outbox, inbox and idempotency keys failed; trying again later", stoppingToken);

    /// <summary>One pass; returns the outbox rows, inbox rows and idempotency keys deleted.</summary>
    public static async Task<(long Outbox, long Inbox, long IdempotencyKeys)> PruneAsync(
        NpgsqlDataSource dataSource, OutboxOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        const string pruneOutbox = """
            DELETE FROM outbox WHERE seq IN (
                SELECT seq FROM outbox WHERE created_at < now() - @keep AND sent_at < now() - @keep LIMIT @Chunk)
            """;
        const string pruneInbox = """
            DELETE FROM inbox WHERE ctid = ANY(ARRAY(SELECT ctid FROM inbox WHERE received_at < now() - @keep LIMIT @Chunk))
            """;
        const string pruneKeys = """
            DELETE FROM idempotency_keys
            WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < now() - @keep LIMIT @Chunk))
            """;
        var keepKeys = options.KeepIdempotencyKeys < TimeSpan.FromHours(24) ? TimeSpan.FromHours(24) : options.KeepIdempotencyKeys;
        return (await DeleteInChunksAsync(dataSource, pruneOutbox, options.KeepSent, cancellationToken),
                await DeleteInChunksAsync(dataSource, pruneInbox, options.KeepInbox, cancellationToken),
                await DeleteInChunksAsync(dataSource, pruneKeys, keepKeys, cancellationToken));
    }

    private static async Task<long> DeleteInChunksAsync(NpgsqlDataSource dataSource, string sql, TimeSpan keep, CancellationToken cancellationToken)
    {
        var total = 0L;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (int deleted; (deleted = await connection.ExecuteAsync(new CommandDefinition(sql, new { keep, Chunk }, cancellationToken: cancellationToken))) > 0;)
        {
            total += deleted;
            if (deleted < Chunk)
            {
                break;
            }
        }

        return total;
    }
}
