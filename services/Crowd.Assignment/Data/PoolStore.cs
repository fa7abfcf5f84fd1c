using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Data;

namespace Crowd.Assignment.Data;

public static class PoolStore
{
    /// <summary>
    /// Adds a released chunk's tasks to the pool, each with <c>redundancy.min</c> open slots and its item's share limit
    /// (<paramref name="itemShareLimits"/>, one per task, null for none); closed when the batch is already cancelled.
    /// A task already in the pool (a re-released chunk) is left as it is. The batch's set of required qualifications is
    /// added to <c>qualification_sets</c> if it is new there: claims find tasks by set.
    /// </summary>
    public static async Task AddReleasedAsync(this UnitOfWork work, TasksReleased released, IReadOnlyList<int?> itemShareLimits)
    {
        // Two statements, still one round trip: the set's insert waits for a concurrent release that is adding the same set
        // and then does nothing, and only a later statement (READ COMMITTED takes a snapshot per statement) sees that
        // release's row; read in the insert's own statement, the set would be missing.
        const string insert = """
            INSERT INTO qualification_sets (qualifications) VALUES (qualification_set(@qualifications)) ON CONFLICT DO NOTHING;
            INSERT INTO pool_tasks (task_id, batch_id, content_uri, slice, tile, label_schema, guidelines_url, required_qualifications,
                                    qualification_set_id, priority, reward_cents, policy, open_slots, slots_opened, redundancy_max, status,
                                    item_id, item_share_limit, requester_id)
            SELECT t.task_id, @batchId, t.content_uri, t.slice::jsonb, t.tile::jsonb, @labelSchema::jsonb, @guidelinesUrl, @qualifications,
                   s.set_id, @priority, @rewardCents, t.policy::jsonb, CASE WHEN c.cancelled THEN 0 ELSE t.slots END, t.slots,
                   t.redundancy_max, CASE WHEN c.cancelled THEN 'cancelled' ELSE 'open' END, t.item_id, t.item_share_limit, @requesterId
            FROM unnest(@taskIds, @contentUris, @slices, @tiles, @policies, @slots, @redundancyMax, @itemIds, @itemShareLimits)
                 AS t(task_id, content_uri, slice, tile, policy, slots, redundancy_max, item_id, item_share_limit),
                 (SELECT EXISTS (SELECT 1 FROM cancelled_batches WHERE batch_id = @batchId) AS cancelled) c,
                 (SELECT set_id FROM qualification_sets WHERE qualifications = qualification_set(@qualifications)) s
            ON CONFLICT (task_id) DO NOTHING
            """;
        var tasks = released.Tasks;
        await work.ExecuteAsync(insert, new
        {
            batchId = released.BatchId,
            requesterId = released.RequesterId,
            labelSchema = released.LabelSchema.GetRawText(),
            guidelinesUrl = released.GuidelinesUrl,
            qualifications = released.RequiredQualifications.ToArray(),
            priority = released.Priority,
            rewardCents = released.RewardCents,
            taskIds = tasks.Select(t => t.TaskId).ToArray(),
            contentUris = tasks.Select(t => t.ContentUri).ToArray(),
            slices = tasks.Select(t => t.Slice is null ? null : JsonSerializer.Serialize(t.Slice, JsonSerializerOptions.Web)).ToArray(),
            tiles = tasks.Select(t => t.Tile is null ? null : JsonSerializer.Serialize(t.Tile, JsonSerializerOptions.Web)).ToArray(),
            policies = tasks.Select(t => JsonSerializer.Serialize(t.Policy, JsonSerializerOptions.Web)).ToArray(),
            slots = tasks.Select(t => t.Policy.RedundancyMin).ToArray(),
            redundancyMax = tasks.Select(t => t.Policy.RedundancyMax).ToArray(),
            itemIds = tasks.Select(t => t.ItemId).ToArray(),
            itemShareLimits = itemShareLimits.ToArray(),
        });
    }
}
