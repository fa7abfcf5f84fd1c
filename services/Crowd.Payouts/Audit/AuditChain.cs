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
/// chain's order is the order of its rows; a writer appends many events per turn (<see cref="AppendAsync(UnitOfWork, IReadOnlyList{AuditRecorded})"/>).
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
    public static Task AppendAsync(this UnitOfWork work, AuditRecorded recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return work.AppendAsync([recorded]);
    }

    /// <summary>
    /// Appends events after the current last one, in the order given, under one lock and in one statement: the chain
    /// takes one writer at a time, so it keeps up by appending many events per turn, not by more turns. An event already
    /// in the chain (or twice in the list) is appended once; skipping it here, before the hashes are computed, keeps
    /// every stored link pointing at a stored event.
    /// </summary>
    public static async Task AppendAsync(this UnitOfWork work, IReadOnlyList<AuditRecorded> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await work.ExecuteAsync("SELECT pg_advisory_xact_lock(@ChainLock)", new { ChainLock });
        const string tail = """
            SELECT (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS last_hash,
                   ARRAY(SELECT event_id FROM audit_events WHERE event_id = ANY(@ids)) AS present
            """;
        var (lastHash, present) = await work.QuerySingleAsync<(string? LastHash, Guid[] Present)>(
            tail, new { ids = events.Select(e => e.EventId).ToArray() });
        var seen = present.ToHashSet();
        var fresh = events.Where(e => seen.Add(e.EventId)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        var previous = lastHash ?? Genesis;
        var previousHashes = new string[fresh.Count];
        var hashes = new string[fresh.Count];
        for (var i = 0; i < fresh.Count; i++)
        {
            var e = fresh[i];
            previousHashes[i] = previous;
            previous = hashes[i] = Hash(previous, e.EventId, e.At, e.ActorId, e.Role, e.Action, e.SubjectType, e.SubjectId, e.Detail);
        }

        // seq follows the ORDER BY: the chain's order is the list's.
        const string insert = """
            INSERT INTO audit_events (event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash)
            SELECT event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash
            FROM unnest(@eventIds, @ats, @actorIds, @roles, @actions, @subjectTypes, @subjectIds, @details, @previousHashes, @hashes)
                 WITH ORDINALITY AS e(event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash, position)
            ORDER BY position
            """;
        await work.ExecuteAsync(insert, new
        {
            eventIds = fresh.Select(e => e.EventId).ToArray(),
            ats = fresh.Select(e => e.At).ToArray(),
            actorIds = fresh.Select(e => e.ActorId).ToArray(),
            roles = fresh.Select(e => e.Role).ToArray(),
            actions = fresh.Select(e => e.Action).ToArray(),
            subjectTypes = fresh.Select(e => e.SubjectType).ToArray(),
            subjectIds = fresh.Select(e => e.SubjectId).ToArray(),
            details = fresh.Select(e => e.Detail).ToArray(),
            previousHashes,
            hashes,
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
