using Crowd.Contracts.Audit;

namespace Crowd.Data.Audit;

/// <summary>Who did an audited act, and in which role.</summary>
public sealed record AuditActor(string Id, string Role)
{
    /// <summary>The platform itself, acting on a message rather than on a person's request.</summary>
    public static AuditActor System { get; } = new("crowd", "system");
}

/// <summary>
/// Records audited acts. The event is journaled in the unit of work's transaction, so it exists exactly when the act
/// committed: a rolled-back claim discloses nothing and leaves no trace, a committed one can never lose its trace. The
/// <see cref="AuditShipper"/> sends journaled events to the chain up to a hundred a message (<see cref="AuditEventsRecorded"/>).
/// </summary>
public static class AuditTrail
{
    public static void Audit(this UnitOfWork work, AuditActor actor, string action, string subjectType, string subjectId, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(actor);
        work.Journal(new AuditRecorded
        {
            EventId = Guid.CreateVersion7(),
            At = ToMicroseconds(DateTime.UtcNow),
            ActorId = actor.Id,
            Role = actor.Role,
            Action = action,
            SubjectType = subjectType,
            SubjectId = subjectId,
            Detail = detail,
        });
    }

    /// <summary>
    /// Several transactions' audit bundles as one, their events in order: the relay merges them (<see cref="Outbox.OutboxMerge"/>),
    /// which is safe because the chain appends an event it already holds no second time, whatever message brought it.
    /// </summary>
    public static AuditEventsRecorded Merge(IReadOnlyList<AuditEventsRecorded> bundles) =>
        new() { Events = [.. bundles.SelectMany(bundle => bundle.Events)] };

    private static DateTime ToMicroseconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
}
