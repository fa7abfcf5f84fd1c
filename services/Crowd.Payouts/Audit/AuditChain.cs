using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Data.Observability;

namespace Crowd.Payouts.Audit;

/// <summary>One link of the chain as stored (read with <see cref="AuditChain.Columns"/>, in this order).</summary>
public sealed record AuditEvent(
    long Seq, Guid EventId, DateTime At, string ActorId, string Role, string Action, string SubjectType, string SubjectId,
    string? Detail, string PreviousHash, string Hash, string? Service);

/// <summary>The first event whose link is broken: its previous hash or its own hash does not match the chain.</summary>
public sealed record BrokenLink(long Seq, Guid EventId);

/// <summary>
/// The chain against its latest signed checkpoint (<see cref="AuditCheckpoints"/>): whether the event the checkpoint
/// names is there with the hash it signed and as many events before it, how many are missing, and what is wrong in words.
/// </summary>
public sealed record CheckpointVerification(
    long Seq, string Hash, long Events, DateTime At, bool Holds, long MissingEvents, int UnverifiedCheckpoints, string? Problem);

public sealed record AuditVerification(bool Valid, long Events, BrokenLink? FirstBrokenLink, CheckpointVerification? Checkpoint);

/// <summary>
/// The hash chain. An event's hash is the lower-case hex SHA-256 of the UTF-8 JSON array
/// <c>[previousHash, eventId, at, actorId, role, action, subjectType, subjectId, detail]</c>, followed by <c>service</c> for an
/// event whose sender was checked (every event since senders are; see <see cref="AuditSenders"/>), written compactly with
/// minimal escaping (at as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, a missing detail as null), so an auditor can re-check it
/// with any JSON library (Python: <c>json.dumps(fields, ensure_ascii=False, separators=(",", ":"))</c>). The first
/// event's previous hash is <see cref="Genesis"/>. One writer at a time (a transaction-scoped advisory lock), so the
/// chain's order is the order of its rows; a writer appends many events per turn (<see cref="AppendAsync(UnitOfWork, IReadOnlyList{AuditRecorded})"/>).
/// </summary>
public static class AuditChain
{
    /// <summary>The columns of <see cref="AuditEvent"/>, in its constructor's order.</summary>
    public const string Columns = "seq, event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash, service";

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
            previous = hashes[i] = Hash(previous, e.EventId, e.At, e.ActorId, e.Role, e.Action, e.SubjectType, e.SubjectId, e.Detail, e.Service);
        }

        // seq follows the ORDER BY: the chain's order is the list's.
        const string insert = """
            INSERT INTO audit_events (event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash, service)
            SELECT event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash, service
            FROM unnest(@eventIds, @ats, @actorIds, @roles, @actions, @subjectTypes, @subjectIds, @details, @previousHashes, @hashes, @services)
                 WITH ORDINALITY AS e(event_id, at, actor_id, role, action, subject_type, subject_id, detail, previous_hash, hash, service, position)
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
            services = fresh.Select(e => e.Service).ToArray(),
        });
        work.AfterCommit(() => CrowdMetrics.AuditAppended.Add(fresh.Count));
    }

    /// <summary>The hash an event must carry after <paramref name="previousHash"/>.</summary>
    public static string Hash(
        string previousHash, Guid eventId, DateTime at, string actorId, string role, string action, string subjectType, string subjectId,
        string? detail, string? service)
    {
        // A JSON array keeps field boundaries unambiguous ("a|b" + "c" never hashes like "a" + "b|c"). The sender is a tenth
        // field only where there is one, so the events chained before senders were checked keep their hashes.
        string?[] fields =
        [
            previousHash,
            eventId.ToString("D"),
            at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            actorId, role, action, subjectType, subjectId, detail,
            .. service is null ? Array.Empty<string?>() : [service],
        ];
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields, CanonicalJson))));
    }

    /// <summary>Whether a stored event links to <paramref name="previousHash"/> and its hash matches its fields.</summary>
    public static bool Follows(this AuditEvent e, string previousHash) =>
        e.PreviousHash == previousHash &&
        e.Hash == Hash(previousHash, e.EventId, e.At, e.ActorId, e.Role, e.Action, e.SubjectType, e.SubjectId, e.Detail, e.Service);

    /// <summary>
    /// Walks the whole chain from the start, recomputing every hash, a page at a time, in one snapshot; then holds it
    /// against <paramref name="checkpoints"/>' latest checkpoint, if any, so that deleted or rewritten newest events show.
    /// </summary>
    public static async Task<AuditVerification> VerifyAuditChainAsync(this UnitOfWork work, CheckpointFile? checkpoints = null)
    {
        // One snapshot: events appended during the walk are not half-seen.
        await work.ExecuteAsync("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        var checkpoint = checkpoints?.Latest;
        var previous = Genesis;
        var count = 0L;
        var (eventsUpToCheckpoint, hashAtCheckpoint) = (0L, (string?)null);
        for (var afterSeq = 0L; ;)
        {
            var page = (await work.QueryAsync<AuditEvent>(
                $"SELECT {Columns} FROM audit_events WHERE seq > @afterSeq ORDER BY seq LIMIT @VerifyPage", new { afterSeq, VerifyPage })).ToList();
            foreach (var e in page)
            {
                if (!e.Follows(previous))
                {
                    return new AuditVerification(false, count, new BrokenLink(e.Seq, e.EventId), null);
                }

                previous = e.Hash;
                count++;
                if (checkpoint is not null && e.Seq <= checkpoint.Seq)
                {
                    eventsUpToCheckpoint = count;
                    hashAtCheckpoint = e.Seq == checkpoint.Seq ? e.Hash : null;
                }
            }

            if (page.Count < VerifyPage)
            {
                var against = checkpoints is null ? null : Against(checkpoints, eventsUpToCheckpoint, hashAtCheckpoint, lastSeq: page.Count > 0 ? page[^1].Seq : afterSeq);
                return new AuditVerification(against is null || (against.Holds && against.UnverifiedCheckpoints == 0), count, null, against);
            }

            afterSeq = page[^1].Seq;
        }
    }

    private static CheckpointVerification? Against(CheckpointFile file, long eventsUpToIt, string? hashAtIt, long lastSeq)
    {
        if (file.Latest is not { } signed)
        {
            return null;
        }

        var missing = Math.Max(0, signed.Events - eventsUpToIt);
        var problem =
            hashAtIt is null ? $"There is no event at seq {signed.Seq}, which the checkpoint of {signed.At:O} signed; the chain ends at seq " +
                               $"{lastSeq}: {missing} of the {signed.Events} events it held then are gone."
            : hashAtIt != signed.Hash ? $"The event at seq {signed.Seq} has another hash than the checkpoint of {signed.At:O} signed: the history up to it was rewritten."
            : eventsUpToIt != signed.Events ? $"The checkpoint of {signed.At:O} counted {signed.Events} events up to seq {signed.Seq}; the chain has {eventsUpToIt}."
            : null;
        if (file.Unverified > 0)
        {
            problem = (problem is null ? "" : problem + " ") + $"{file.Unverified} line(s) of the checkpoint file do not verify under the checkpoint key.";
        }

        var holds = hashAtIt == signed.Hash && eventsUpToIt == signed.Events;
        return new CheckpointVerification(signed.Seq, signed.Hash, signed.Events, signed.At, holds, missing, file.Unverified, problem);
    }
}
