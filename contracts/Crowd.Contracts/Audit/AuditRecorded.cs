namespace Crowd.Contracts.Audit;

/// <summary>
/// Audited acts of one service, up to a hundred in one message (<see cref="AuditRecorded"/> each): acts are journaled one
/// at a time with their transactions and shipped together, because a message per act (a claim's disclosure) cost the
/// relay, the broker and the chain's inbox more than the act. Its sender is checked once, for every event in it.
/// </summary>
public sealed record AuditEventsRecorded
{
    public required IReadOnlyList<AuditRecorded> Events { get; init; }
}

/// <summary>
/// One act that must leave a trace (API.md, <c>/v1/audit</c>): a disclosure of item content to a worker or QA
/// reviewer, a QA decision, a money movement or a batch state change. Every service journals its own in the transaction
/// of the act itself and ships them through its outbox (inside <see cref="AuditEventsRecorded"/>); payouts appends them
/// all to one hash chain.
/// </summary>
public sealed record AuditRecorded
{
    /// <summary>Unique per act, so that appending it twice cannot lengthen the chain.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the act happened, in UTC, to the microsecond (PostgreSQL's precision, so the hash survives storage).</summary>
    public required DateTime At { get; init; }

    public required string ActorId { get; init; }

    /// <summary>The role the actor acted in: requester, worker, qa, admin, or system for the platform itself.</summary>
    public required string Role { get; init; }

    /// <summary>What happened, as <c>area.verb</c>: content.disclosed, qa.resolved, money.reward, batch.open, ...</summary>
    public required string Action { get; init; }

    public required string SubjectType { get; init; }

    public required string SubjectId { get; init; }

    /// <summary>Free text that makes the event self-explanatory (amounts and accounts, the disclosed reference, ...).</summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The service that sent the event. Never taken from the message as sent: payouts sets it on receipt from the
    /// delivery's AMQP <c>user_id</c>, which the broker has checked against the sender's login (null before that).
    /// </summary>
    public string? Service { get; init; }
}
