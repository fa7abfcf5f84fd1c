using System.Text.Json;

namespace Crowd.Data;

/// <summary>A response remembered under an <c>Idempotency-Key</c>, replayed verbatim when the key comes again.</summary>
public sealed record RememberedResponse(int StatusCode, JsonElement Body);

/// <summary>Stores first responses in the same transaction as the effect they describe, so a replay is never half-true.</summary>
public static class IdempotencyKeys
{
    public static async Task<RememberedResponse?> FindAsync(this UnitOfWork work, string principal, string operation, string key)
    {
        const string sql = """
            SELECT status_code, response FROM idempotency_keys
            WHERE principal = @principal AND operation = @operation AND key = @key
            """;
        var row = await work.QuerySingleOrDefaultAsync<(int StatusCode, string Response)?>(sql, new { principal, operation, key });
        return row is { } found ? new RememberedResponse(found.StatusCode, JsonDocument.Parse(found.Response).RootElement) : null;
    }

    public static Task RememberAsync<T>(this UnitOfWork work, string principal, string operation, string key, int statusCode, T response)
    {
        const string sql = """
            INSERT INTO idempotency_keys (principal, operation, key, status_code, response)
            VALUES (@principal, @operation, @key, @statusCode, @response)
            """;
        var json = JsonSerializer.Serialize(response, Outbox.MessageTypes.Json);
        return work.ExecuteAsync(sql, new { principal, operation, key, statusCode, response = json });
    }
}
