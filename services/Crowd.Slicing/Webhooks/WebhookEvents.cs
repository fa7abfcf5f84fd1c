using System.Text.Json;
using Crowd.Data;

namespace Crowd.Slicing.Webhooks;

/// <summary>
/// The events a batch's <c>callbackUrl</c> receives (API.md "Webhooks"), each written to <c>webhook_deliveries</c> in the
/// unit of work that raised it: an event is never lost once its transaction commits, and never sent for one that rolled
/// back. <see cref="WebhookDeliverer"/> sends them.
/// </summary>
public static class WebhookEvents
{
    public const string BatchFunded = "batch.funded";
    public const string BatchRejected = "batch.rejected";
    public const string BatchCompleted = "batch.completed";
    public const string BatchCancelled = "batch.cancelled";
    public const string TaskEscalated = "task.escalated";
    public const string ItemFinal = "item.final";

    private sealed record Target(string RequesterId, string? CallbackUrl);

    /// <summary>Records one event of the batch for its callback, if it has one.</summary>
    public static Task RecordWebhookAsync(this UnitOfWork work, Guid batchId, string type, object data) =>
        work.RecordWebhooksAsync(batchId, type, [data]);

    /// <summary>Records several events of one type for the batch's callback, if it has one (one statement).</summary>
    public static async Task RecordWebhooksAsync(this UnitOfWork work, Guid batchId, string type, IReadOnlyCollection<object> data)
    {
        if (data.Count > 0 && await CallbackOfAsync(work, batchId) is { CallbackUrl: not null } target)
        {
            await InsertAsync(work, target, batchId, type, data);
        }
    }

    private static async Task InsertAsync(UnitOfWork work, Target target, Guid batchId, string type, IReadOnlyCollection<object> data)
    {
        if (data.Count == 0)
        {
            return;
        }

        var createdAt = DateTimeOffset.UtcNow;
        var events = data.Select(d => (Id: Guid.CreateVersion7(), Data: d)).ToList();
        await work.ExecuteAsync("""
            INSERT INTO webhook_deliveries (delivery_id, requester_id, batch_id, type, url, body, created_at, retrying_since)
            SELECT id, @RequesterId, @batchId, @type, @url, body, @createdAt, @createdAt
            FROM unnest(@ids, @bodies) AS e(id, body)
            """, new
        {
            target.RequesterId, batchId, type, url = target.CallbackUrl, createdAt = createdAt.UtcDateTime,
            ids = events.Select(e => e.Id).ToArray(),
            bodies = events.Select(e => JsonSerializer.Serialize(new { id = e.Id, type, createdAt, batchId, data = e.Data }, JsonSerializerOptions.Web)).ToArray(),
        });
    }

    /// <summary>
    /// <c>item.final</c> for each item of <paramref name="taskIds"/> (tasks of one batch just given a label or excluded)
    /// whose every task is now final: one event per item when it first becomes final, and again when a revision changes
    /// one of its labels. Gold items are nobody's results and raise none.
    /// </summary>
    public static async Task RecordItemsFinalAsync(this UnitOfWork work, Guid batchId, IReadOnlyCollection<Guid> taskIds)
    {
        if (taskIds.Count == 0 || await CallbackOfAsync(work, batchId) is not { CallbackUrl: not null } target)
        {
            return;
        }

        var final = await work.QueryAsync<(Guid ItemId, string ExternalId, int TaskCount)>("""
            SELECT i.item_id, i.external_id, i.task_count FROM items i
            WHERE i.item_id IN (SELECT t.item_id FROM tasks t WHERE t.task_id = ANY(@taskIds)) AND NOT i.is_gold
              AND i.task_count = (
                  SELECT count(*) FROM tasks t
                  WHERE t.item_id = i.item_id
                    AND (EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.task_id) OR EXISTS (SELECT 1 FROM excluded_tasks e WHERE e.task_id = t.task_id)))
            ORDER BY i.external_id
            """, new { taskIds = taskIds.ToArray() });
        await InsertAsync(work, target, batchId, ItemFinal, [.. final.Select(i => (object)new { i.ItemId, i.ExternalId, i.TaskCount })]);
    }

    private static Task<Target?> CallbackOfAsync(UnitOfWork work, Guid batchId) =>
        work.QuerySingleOrDefaultAsync<Target>("SELECT requester_id, callback_url FROM batches WHERE batch_id = @batchId", new { batchId });
}
