using Crowd.Data.Audit;

namespace Crowd.Payouts.Domain;

/// <summary>A ledger account: its id encodes what it is, so that code and SQL name accounts the same way.</summary>
public sealed record Account(string Id, string Kind, string? OwnerId)
{
    /// <summary>Money outside the platform: deposits come from it, payouts go to it. The only account that may go negative.</summary>
    public static readonly Account External = new("external", "external", null);

    public static readonly Account PlatformFees = new("platform:fees", "platform-fees", null);

    public static Account RequesterAvailable(string requesterId) => new($"requester:{requesterId}:available", "requester-available", requesterId);

    public static Account Escrow(Guid batchId, string requesterId) => new($"batch:{batchId}:escrow", "escrow", requesterId);

    /// <summary>The kind of every <see cref="WorkerPayable"/> account, for queries over all of them.</summary>
    public const string WorkerPayableKind = "worker-payable";

    public static Account WorkerPayable(string workerId) => new($"worker:{workerId}:payable", WorkerPayableKind, workerId);
}

/// <summary>One leg of a ledger transaction; the legs of a transaction sum to zero.</summary>
public sealed record Entry(Account Account, long AmountCents);

/// <summary>
/// A balanced money movement, named by the cause that makes it unique. <see cref="Actor"/> is who made it happen for
/// the audit trail; null is the platform acting on a message.
/// </summary>
public sealed record Movement(
    string IdempotencyKey, string Kind, IReadOnlyList<Entry> Entries, Guid? BatchId = null, Guid? AnnotationId = null, string? Description = null,
    AuditActor? Actor = null)
{
    public static Movement Transfer(
        string idempotencyKey, string kind, Account from, Account to, long amountCents, Guid? batchId = null, string? description = null,
        AuditActor? actor = null) =>
        new(idempotencyKey, kind, [new Entry(from, -amountCents), new Entry(to, amountCents)], batchId, null, description, actor);
}
