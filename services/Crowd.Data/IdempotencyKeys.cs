using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Crowd.Data;

/// <summary>A response remembered under an <c>Idempotency-Key</c>, replayed verbatim when the key comes again.</summary>
public sealed record RememberedResponse(int StatusCode, JsonElement Body);

/// <summary>
/// An <c>Idempotency-Key</c> as one principal sent it for one operation, bound to the request it came with: a
/// fingerprint of its method, path and body, so the key cannot be reused for another request.
/// </summary>
public sealed record IdempotencyKey(string Principal, string Operation, string Key, string Fingerprint)
{
    /// <summary>The request's key, or null when it carries none; <paramref name="body"/> is the request as bound.</summary>
    public static IdempotencyKey? Of(string? key, string principal, string operation, string method, string path, object body)
    {
        if (key is null)
        {
            return null;
        }

        var request = $"{method} {path}\n{JsonSerializer.Serialize(body, body.GetType(), Outbox.MessageTypes.Json)}";
        return new(principal, operation, key, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(request))));
    }
}

/// <summary>The key came before with another request (another body or path): 422 naming the header, nothing done.</summary>
public sealed class IdempotencyKeyReusedException() : Exception("This Idempotency-Key was used with a different request; use a new key for a new request.");

/// <summary>
/// Stores first responses in the same transaction as the effect they describe, so a replay is never half-true. A
/// concurrent duplicate waits on the first one's row and then fails on its key (409 "already applied"), its own effect
/// rolled back. Keys are kept <see cref="Outbox.OutboxOptions.KeepIdempotencyKeys"/> (7 days; never under API.md's 24
/// hours), then pruned: the same key after that is a new request.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>The first response to this key, or null; a key first sent with another request is refused.</summary>
    public static async Task<RememberedResponse?> FindAsync(this UnitOfWork work, IdempotencyKey key)
    {
        const string sql = """
            SELECT status_code, response, fingerprint FROM idempotency_keys
            WHERE principal = @Principal AND operation = @Operation AND key = @Key
            """;
        var row = await work.QuerySingleOrDefaultAsync<(int StatusCode, string Response, string? Fingerprint)?>(sql, key);
        if (row is not { } found)
        {
            return null;
        }

        // Keys remembered before fingerprints were kept have none: they replay as they always did.
        if (found.Fingerprint is not null && found.Fingerprint != key.Fingerprint)
        {
            throw new IdempotencyKeyReusedException();
        }

        return new RememberedResponse(found.StatusCode, JsonDocument.Parse(found.Response).RootElement);
    }

    public static Task RememberAsync<T>(this UnitOfWork work, IdempotencyKey key, int statusCode, T response)
    {
        const string sql = """
            INSERT INTO idempotency_keys (principal, operation, key, fingerprint, status_code, response)
            VALUES (@Principal, @Operation, @Key, @Fingerprint, @statusCode, @response)
            """;
        var json = JsonSerializer.Serialize(response, Outbox.MessageTypes.Json);
        return work.ExecuteAsync(sql, new { key.Principal, key.Operation, key.Key, key.Fingerprint, statusCode, response = json });
    }
}
