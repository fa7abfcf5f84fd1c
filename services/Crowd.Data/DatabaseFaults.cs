using Npgsql;

namespace Crowd.Data;

/// <summary>
/// Failures that say "the database cannot answer now", not "this request is wrong": PostgreSQL is down, restarting or
/// recovering (connection refused or broken, 57P01–57P03, 08xxx), out of connections, or the transaction lost a
/// serialization conflict or deadlock. The same request may well succeed a moment later, so the HTTP API answers them
/// 503 with <c>Retry-After</c> and consumers keep retrying them instead of parking the message.
/// </summary>
public static class DatabaseFaults
{
    /// <summary>Seconds a client is asked to wait before trying again (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 2;

    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // The server going away or refusing: shut down by an operator or by a crash of another backend (57P01,
                // 57P02), still starting or recovering (57P03), connection trouble (08xxx), out of resources (53xxx).
                case PostgresException { SqlState: var state } when state is "57P01" or "57P02" or "57P03"
                    || state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal):
                    return true;
                // Npgsql's own classification: sockets refused or broken, timeouts, serialization failures and deadlocks.
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }

        return false;
    }
}
