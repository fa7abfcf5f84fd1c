using Crowd.Contracts.Audit;
using Crowd.Data.Outbox;
using Dapper;

namespace Crowd.Data.Audit;

/// <summary>
/// The <c>audit_journal</c> table: audit events from the transaction of their act until the <see cref="AuditShipper"/>
/// moves them to the outbox. Guaranteed: an event is journaled exactly when its act commits, and leaves the journal only
/// in the transaction that writes it to the outbox, so it reaches the chain at least once (the chain skips an event it
/// holds). Not guaranteed: order across transactions, or a moment: it is shipped a little after its act commits.
/// </summary>
public static class AuditJournal
{
    /// <summary>
    /// The journal's columns, in the order a statement that journals an act of its own (a claim's disclosure, in the
    /// claim's statement) selects them: <c>INSERT INTO audit_journal (Columns) SELECT ...</c>.
    /// </summary>
    public const string Columns = "event_id, at, actor_id, role, action, subject_type, subject_id, detail";

    /// <summary>The insert of <paramref name="events"/>, in order, sent with the transaction's COMMIT; null for none.</summary>
    internal static CommitStatement? Insert(IReadOnlyList<AuditRecorded> events) => events.Count == 0 ? null : new($"""
        INSERT INTO audit_journal ({Columns})
        SELECT {Columns}
        FROM unnest(@auditEventIds, @auditAts, @auditActorIds, @auditRoles, @auditActions, @auditSubjectTypes, @auditSubjectIds,
                    @auditDetails) WITH ORDINALITY AS e(event_id, at, actor_id, role, action, subject_type, subject_id, detail, position)
        ORDER BY position;
        """, new
        {
            auditEventIds = events.Select(e => e.EventId).ToArray(),
            auditAts = events.Select(e => e.At).ToArray(),
            auditActorIds = events.Select(e => e.ActorId).ToArray(),
            auditRoles = events.Select(e => e.Role).ToArray(),
            auditActions = events.Select(e => e.Action).ToArray(),
            auditSubjectTypes = events.Select(e => e.SubjectType).ToArray(),
            auditSubjectIds = events.Select(e => e.SubjectId).ToArray(),
            auditDetails = events.Select(e => e.Detail).ToArray(),
        });

    /// <summary>
    /// Takes up to <paramref name="most"/> of the oldest journaled events out of the journal, in this unit of work (back if it
    /// rolls back), skipping those another shipper is taking; in journal order.
    /// </summary>
    internal static async Task<IReadOnlyList<AuditRecorded>> TakeAsync(UnitOfWork work, int most)
    {
        var rows = await work.QueryAsync<JournalRow>($"""
            DELETE FROM audit_journal
            WHERE seq = ANY(ARRAY(SELECT seq FROM audit_journal ORDER BY seq LIMIT @most FOR UPDATE SKIP LOCKED))
            RETURNING seq, {Columns}
            """, new { most });
        return [.. rows.OrderBy(row => row.Seq).Select(row => new AuditRecorded
        {
            EventId = row.EventId,
            At = DateTime.SpecifyKind(row.At, DateTimeKind.Utc),
            ActorId = row.ActorId,
            Role = row.Role,
            Action = row.Action,
            SubjectType = row.SubjectType,
            SubjectId = row.SubjectId,
            Detail = row.Detail,
        })];
    }

    private sealed record JournalRow(
        long Seq, Guid EventId, DateTime At, string ActorId, string Role, string Action, string SubjectType, string SubjectId, string? Detail);
}
