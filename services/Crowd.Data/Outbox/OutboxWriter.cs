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

    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var ids = new Guid[messages.Count];
        var types = new string[messages.Count];
        var bodies = new string[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            ids[i] = Guid.CreateVersion7();
            types[i] = MessageTypes.NameOf(messages[i].GetType());
            bodies[i] = JsonSerializer.Serialize(messages[i], messages[i].GetType(), MessageTypes.Json);
        }

        const string sql = """
            SELECT pg_advisory_xact_lock(@lockKey);
            INSERT INTO outbox (id, message_type, body)
            SELECT id, message_type, body::jsonb
            FROM unnest(@ids, @types, @bodies) WITH ORDINALITY AS m(id, message_type, body, position)
            ORDER BY position;
            SELECT pg_notify('crowd_outbox', '');
            """;
        await connection.ExecuteAsync(new CommandDefinition(
            sql, new { lockKey = OutboxOrderLockKey, ids, types, bodies }, transaction, cancellationToken: cancellationToken));
    }
}
