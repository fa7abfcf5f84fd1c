using System.Text.Json;
using Dapper;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>Writes queued messages as outbox rows inside the caller's transaction and wakes the relay on commit.</summary>
internal static class OutboxWriter
{
    /// <summary>
    /// Serialises outbox writers of one database for the instant between insert and commit, so that the order of
    /// <c>seq</c> is the order of commits: the relay never publishes a later row while an earlier one is in flight.
    /// </summary>
    private const long OutboxOrderLockKey = 0x4f7574626f78; // "Outbox"

    /// <summary>
    /// At commit: under the order lock, gives the rows written early by <see cref="WriteEarlyAsync"/> fresh <c>seq</c>
    /// values (in the order they were written), then inserts the rest behind them, and wakes the relay.
    /// </summary>
    public static async Task WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Guid> flushed, IReadOnlyList<object> messages,
        CancellationToken cancellationToken)
    {
        if (messages.Count == 0 && flushed.Count == 0)
        {
            return;
        }

        var (ids, types, bodies) = Rows(messages);
        // Early rows took their seq when written, before transactions that may commit first: renumbered here, under the
        // lock, so that the order of seq stays the order of commits. Positions pair the new numbers with the rows.
        const string sql = """
            SELECT pg_advisory_xact_lock(@lockKey);
            WITH fresh AS (
                SELECT nextval(pg_get_serial_sequence('outbox', 'seq')) AS seq FROM generate_series(1, cardinality(@flushed))
            ), numbered AS (
                SELECT seq, row_number() OVER (ORDER BY seq) AS position FROM fresh
            )
            UPDATE outbox o SET seq = numbered.seq
            FROM unnest(@flushed) WITH ORDINALITY AS f(id, position) JOIN numbered USING (position)
            WHERE o.id = f.id;
            INSERT INTO outbox (id, message_type, body)
            SELECT id, message_type, body::jsonb
            FROM unnest(@ids, @types, @bodies) WITH ORDINALITY AS m(id, message_type, body, position)
            ORDER BY position;
            SELECT pg_notify('crowd_outbox', '');
            """;
        await connection.ExecuteAsync(new CommandDefinition(
            sql, new { lockKey = OutboxOrderLockKey, flushed = flushed.ToArray(), ids, types, bodies }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Inserts queued messages before commit, without the order lock (a long transaction must not hold up every other
    /// writer); <see cref="WriteAsync"/> puts them in order at commit. Returns their ids, in order.
    /// </summary>
    public static async Task<Guid[]> WriteEarlyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return [];
        }

        var (ids, types, bodies) = Rows(messages);
        const string sql = """
            INSERT INTO outbox (id, message_type, body)
            SELECT id, message_type, body::jsonb
            FROM unnest(@ids, @types, @bodies) WITH ORDINALITY AS m(id, message_type, body, position)
            ORDER BY position
            """;
        await connection.ExecuteAsync(new CommandDefinition(sql, new { ids, types, bodies }, transaction, cancellationToken: cancellationToken));
        return ids;
    }

    private static (Guid[] Ids, string[] Types, string[] Bodies) Rows(IReadOnlyList<object> messages)
    {
        var ids = new Guid[messages.Count];
        var types = new string[messages.Count];
        var bodies = new string[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            ids[i] = Guid.CreateVersion7();
            types[i] = MessageTypes.NameOf(messages[i].GetType());
            bodies[i] = JsonSerializer.Serialize(messages[i], messages[i].GetType(), MessageTypes.Json);
        }

        return (ids, types, bodies);
    }
}
