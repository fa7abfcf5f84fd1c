using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Data.Observability;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Crowd.Payouts.Audit;

/// <summary>
/// Which service may record which act. An audit event joins the chain only when the broker-checked sender of its
/// delivery (<see cref="Senders.SenderOf"/>: the service's own broker user, named after it, optionally after a
/// deployment's prefix and a dot: <c>slicing</c>, <c>staging.slicing</c>) is a service that does that act; anything else (no sender, another login, a service recording an act that is not its own) is kept in
/// <c>audit_refused</c> with the reason, logged as a warning and counted (<c>crowd_audit_refused_total</c>), and never
/// chained. Nothing is lost: a refused event is evidence of a misconfigured or hostile publisher, for an operator.
/// </summary>
public static class AuditSenders
{
    /// <summary>Each service's acts, by action or action prefix (<c>area.</c>); a new audited act is added here.</summary>
    private static readonly Dictionary<string, string[]> ActsOf = new(StringComparer.Ordinal)
    {
        ["slicing"] = ["batch."],
        ["assignment"] = ["content.disclosed", "worker.", "qualification."],
        ["consensus"] = ["content.disclosed", "qa."],
        ["payouts"] = ["money."],
    };

    /// <summary>The service a broker user is: its name after the last dot.</summary>
    public static string? ServiceOf(string? sender) => sender?[(sender.LastIndexOf('.') + 1)..];

    /// <summary>Why <paramref name="sender"/> may not record <paramref name="action"/>; null when it may.</summary>
    public static string? RefusalOf(string? sender, string action) =>
        ServiceOf(sender) is not { } service ? "the delivery names no sender (no AMQP user_id)"
        : !ActsOf.TryGetValue(service, out var acts) ? $"'{sender}' is not a service of the platform"
        : acts.Any(act => act.EndsWith('.') ? action.StartsWith(act, StringComparison.Ordinal) : action == act) ? null
        : $"service '{service}' does not record '{action}'";

    /// <summary>
    /// The deliveries with only their events that may join the chain, each stamped with its delivery's sender; the others
    /// recorded as refused.
    /// </summary>
    public static async Task<IReadOnlyList<AuditEventsRecorded>> AdmitAsync(
        this UnitOfWork work, IReadOnlyList<ConsumeContext<AuditEventsRecorded>> deliveries, ILogger logger)
    {
        var admitted = new List<AuditEventsRecorded>(deliveries.Count);
        foreach (var delivery in deliveries)
        {
            var sender = delivery.SenderOf();
            var events = new List<AuditRecorded>(delivery.Message.Events.Count);
            foreach (var recorded in delivery.Message.Events)
            {
                if (RefusalOf(sender, recorded.Action) is { } reason)
                {
                    await RefuseAsync(work, delivery, sender, recorded, reason, logger);
                }
                else
                {
                    events.Add(recorded with { Service = ServiceOf(sender) });
                }
            }

            admitted.Add(delivery.Message with { Events = events });
        }

        return admitted;
    }

    private static async Task RefuseAsync(
        UnitOfWork work, ConsumeContext delivery, string? sender, AuditRecorded recorded, string reason, ILogger logger)
    {
        logger.LogWarning("Audit event {EventId} ({Action}) refused: {Reason}", recorded.EventId, recorded.Action, reason);
        CrowdMetrics.AuditRefused.Add(1, new KeyValuePair<string, object?>("sender", sender ?? "none"));
        await work.ExecuteAsync("""
            INSERT INTO audit_refused (message_id, event_id, sender, action, event, reason)
            VALUES (@messageId, @EventId, @sender, @Action, @event::jsonb, @reason)
            ON CONFLICT (message_id, event_id) DO NOTHING
            """, new
        {
            messageId = delivery.MessageId, recorded.EventId, sender, recorded.Action,
            @event = System.Text.Json.JsonSerializer.Serialize(recorded, System.Text.Json.JsonSerializerOptions.Web), reason,
        });
    }
}
