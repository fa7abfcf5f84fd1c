using System.Diagnostics.Metrics;

namespace Crowd.Data.Observability;

/// <summary>
/// The platform's own instruments, one meter for every service (exported at <c>/metrics</c> by ServiceDefaults). What
/// happened is counted when it is committed: a unit of work counts the messages it commits, by type
/// (<c>crowd_messages_committed_total{type="LabelAccepted"}</c>: decisions; <c>MoreAnnotationsRequested</c>,
/// <c>TaskEscalated</c>, <c>WorkerSuspended</c>, <c>AnnotationSubmitted</c>, <c>AuditRecorded</c>, ...; the items of a
/// bundle one by one, under the item's type), so a rolled-back or retried handler never counts twice. The rest are named below.
/// </summary>
public static class CrowdMetrics
{
    public const string MeterName = "Crowd";

    public static readonly Meter Meter = new(MeterName);

    /// <summary>Messages committed to the outbox, by type: every event of the platform, counted once.</summary>
    public static readonly Counter<long> MessagesCommitted =
        Meter.CreateCounter<long>("crowd.messages.committed", description: "Messages committed to the outbox, by type");

    /// <summary>Outbox rows the relays published (confirmed by the broker).</summary>
    public static readonly Counter<long> OutboxPublished =
        Meter.CreateCounter<long>("crowd.outbox.published", description: "Outbox rows published and confirmed");

    /// <summary>Outbox rows parked after their last failed attempt.</summary>
    public static readonly Counter<long> OutboxParked =
        Meter.CreateCounter<long>("crowd.outbox.parked", description: "Outbox rows parked after failing every attempt");

    /// <summary>Claims answered, by outcome: claimed, none (204), claim-limit, suspended.</summary>
    public static readonly Counter<long> Claims = Meter.CreateCounter<long>("crowd.claims", description: "Claims answered, by outcome");

    /// <summary>Ledger transactions posted, by kind (deposit, escrow, reward, bonus, settle, payout, ...).</summary>
    public static readonly Counter<long> LedgerPostings =
        Meter.CreateCounter<long>("crowd.ledger.postings", description: "Ledger transactions posted, by kind");

    /// <summary>Events appended to the audit chain.</summary>
    public static readonly Counter<long> AuditAppended = Meter.CreateCounter<long>("crowd.audit.appended", description: "Audit events chained");

    /// <summary>Audit events refused for their sender.</summary>
    public static readonly Counter<long> AuditRefused = Meter.CreateCounter<long>("crowd.audit.refused", description: "Audit events refused for their sender");

    /// <summary>Webhook delivery attempts by outcome: <c>delivered</c>, <c>retrying</c>, <c>failed</c> (given up).</summary>
    public static readonly Counter<long> WebhookDeliveries =
        Meter.CreateCounter<long>("crowd.webhook.deliveries", description: "Webhook delivery attempts, by outcome");
}
