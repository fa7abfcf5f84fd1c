using System.Text.Json;
using Crowd.Data.Observability;

namespace Crowd.Data.Outbox;

/// <summary>A message queued in a unit of work, with the key whose messages must be published in commit order (or none).</summary>
internal readonly record struct OutgoingMessage(object Message, string? OrderingKey);

/// <summary>
/// A statement a unit of work sends in the round trip of its COMMIT (<see cref="UnitOfWork.CommitAsync"/>), with its
/// parameters, named so that they do not clash with the other statements'.
/// </summary>
internal sealed record CommitStatement(string Sql, object Parameters);

/// <summary>Writes queued messages as outbox rows inside the caller's transaction.</summary>
internal static class OutboxWriter
{
    /// <summary>
    /// The insert of the rows; null for none. No lock orders unkeyed rows: no consumer needs their order, and a relay
    /// claims whatever is committed and unsent, so a transaction that commits late with a smaller <c>seq</c> is picked up
    /// on a later pass. Rows with an ordering key are written under that key's transaction lock (taken in key order, so
    /// two writers cannot deadlock), held through commit: one key's <c>seq</c> order is its commit order, which the relay
    /// keeps.
    /// </summary>
    public static CommitStatement? Insert(IReadOnlyList<OutgoingMessage> messages)
    {
        if (messages.Count == 0)
        {
            return null;
        }

        var ids = new Guid[messages.Count];
        var types = new string[messages.Count];
        var bodies = new string[messages.Count];
        var keys = new string?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i].Message;
            ids[i] = Guid.CreateVersion7();
            types[i] = MessageTypes.NameOf(message.GetType());
            bodies[i] = JsonSerializer.Serialize(message, message.GetType(), MessageTypes.Json);
            keys[i] = messages[i].OrderingKey;
        }

        var lockKeys = keys.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        const string lockAndInsert = """
            SELECT pg_advisory_xact_lock(hashtextextended('outbox-write:' || k, 0)) FROM unnest(@lockKeys) WITH ORDINALITY AS l(k, n) ORDER BY n;
            INSERT INTO outbox (id, message_type, body, ordering_key, trace_parent)
            SELECT id, message_type, body::jsonb, ordering_key, @traceParent
            FROM unnest(@ids, @types, @bodies, @keys) WITH ORDINALITY AS m(id, message_type, body, ordering_key, position)
            ORDER BY position;
            """;
        const string insert = """
            INSERT INTO outbox (id, message_type, body, trace_parent)
            SELECT id, message_type, body::jsonb, @traceParent
            FROM unnest(@ids, @types, @bodies) WITH ORDINALITY AS m(id, message_type, body, position)
            ORDER BY position;
            """;
        return lockKeys.Length > 0
            ? new(lockAndInsert, new { lockKeys, ids, types, bodies, keys, traceParent = CrowdTracing.CurrentTraceParent() })
            : new(insert, new { ids, types, bodies, traceParent = CrowdTracing.CurrentTraceParent() });
    }
}
