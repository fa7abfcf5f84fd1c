using Dapper;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>An outbox row the relay gave up on: it waits for an operator.</summary>
public sealed record ParkedMessage(Guid Id, string MessageType, int Attempts, string? LastError, DateTime CreatedAt, DateTime ParkedAt);

/// <summary>
/// The operator's view of parked outbox rows and their retry, the same SQL as <c>./crowd outbox parked|retry</c>
/// (the <c>outbox_retry</c> function of migration 0002).
/// </summary>
public static class ParkedMessages
{
    public static async Task<IReadOnlyList<ParkedMessage>> ListAsync(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<ParkedMessage>("""
            SELECT id, message_type, attempts, last_error, created_at, parked_at FROM outbox
            WHERE parked_at IS NOT NULL AND sent_at IS NULL ORDER BY seq
            """)).ToList();
    }

    /// <summary>Un-parks one row (<paramref name="id"/>) or all, with fresh attempts, and wakes the relays; returns how many.</summary>
    public static async Task<int> RetryAsync(NpgsqlDataSource dataSource, Guid? id = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT outbox_retry(@id)", new { id });
    }
}
