using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crowd.Contracts.Audit;
using Crowd.Data;

namespace Crowd.Payouts.Audit;

/// <summary>One link of the chain as stored (read with <see cref="AuditChain.Columns"/>, in this order).</summary>
public sealed record AuditEvent(
    long Seq, Guid EventId, DateTime At, string ActorId, string Role, string Action, string SubjectType, string SubjectId,
    string? Detail, string PreviousHash, string Hash);

/// <summary>The first event whose link is broken: its previous hash or its own hash does not match the chain.</summary>
public sealed record BrokenLink(long Seq, Guid EventId);

public sealed record AuditVerification(bool Valid, long Events, BrokenLink? FirstBrokenLink);

/// <summary>
/// The hash chain. An event's hash is the lower-case hex SHA-256 of the UTF-8 JSON array
/// <c>[previousHash, eventId, at, actorId, role, action, subjectType, subjectId, detail]</c> written compactly with
/// minimal escaping (at as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, a missing detail as null), so an auditor can re-check it
/// with any JSON library (Python: <c>json.dumps(fields, ensure_ascii=False, separators=(",", ":"))</c>). The first
/// event's previous hash is <see cref="Genesis"/>. One writer at a time (a transaction-scoped advisory lock), so the
/// chain's order is the order of its rows.
/// </summary>
public static class AuditChain
{
    /// <summary>The columns of <see cref="AuditEvent"/>, in its constructor's order.</summary>
    public const string Columns = "seq, event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash";

    /// <summary>The previous hash of the first event.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    // Any constant shared by every writer of this database; the outbox uses another.
    private const long ChainLock = 0x41756469745f4348; // "Audit_CH"

    private const int VerifyPage = 10_000;

    private static readonly JsonSerializerOptions CanonicalJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Appends one event after the current last one; an event already in the chain is not appended again.</summary>
    public static async Task AppendAsync(this UnitOfWork work, AuditRecorded recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        await work.ExecuteAsync("SELECT pg_advisory_xact_lock(@ChainLock)", new { ChainLock });
        var previous = await work.ExecuteScalarAsync<string?>("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1") ?? Genesis;
        const string insert = """
            INSERT INTO audit_events (event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash)
            VALUES (@EventId, @At, @ActorId, @Role, @Action, @SubjectType, @SubjectId, @Detail, @previous, @hash)
            ON CONFLICT (event_id) DO NOTHING
            """;
        await work.ExecuteAsync(insert, new
        {
            recorded.EventId,
            recorded.At,
            recorded.ActorId,
            recorded.Role,
            recorded.Action,
            recorded.SubjectType,
            recorded.SubjectId,
            recorded.Detail,
            previous,
            hash = Hash(previous, recorded.EventId, recorded.At, recorded.ActorId, recorded.Role, recorded.Action, recorded.SubjectType, recorded.SubjectId, recorded.Detail),
        });
    }

    /// <summary>The hash an event must carry after <paramref name="previousHash"/>.</summary>
    public static string Hash(
        string previousHash, Guid eventId, DateTime at, string actorId, string role, string action, string subjectType, string subjectId, string? detail)
    {
        // A JSON array keeps field boundaries unambiguous ("a|b" + "c" never hashes like "a" + "b|c").
        string?[] fields =
        [
            previousHash,
            eventId.ToString("D"),
            at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            actorId, role, action, subjectType, subjectId, detail,
        ];
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields, CanonicalJson))));
    }

    /// <summary>Whether a stored event links to <paramref name="previousHash"/> and its hash matches its fields.</summary>
    public static bool Follows(this AuditEvent e, string previousHash) =>
        e.PreviousHash == previousHash &&
        e.Hash == Hash(previousHash, e.EventId, e.At, e.ActorId, e.Role, e.Action, e.SubjectType, e.SubjectId, e.Detail);

    /// <summary>Walks the whole chain from the start, recomputing every hash, a page at a time, in one snapshot.</summary>
    public static async Task<AuditVerification> VerifyAuditChainAsync(this UnitOfWork work)
    {
        // One snapshot: events appended during the walk are not half-seen.
        await work.ExecuteAsync("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        var previous = Genesis;
        var count = 0L;
        for (var afterSeq = 0L; ;)
        {
            var page = (await work.QueryAsync<AuditEvent>(
                $"SELECT {Columns} FROM audit_events WHERE seq > @afterSeq ORDER BY seq LIMIT @VerifyPage", new { afterSeq, VerifyPage })).ToList();
            foreach (var e in page)
            {
                if (!e.Follows(previous))
                {
                    return new AuditVerification(false, count, new BrokenLink(e.Seq, e.EventId));
                }

                previous = e.Hash;
                count++;
            }

            if (page.Count < VerifyPage)
            {
                return new AuditVerification(true, count, null);
            }

            afterSeq = page[^1].Seq;
        }
    }
}
