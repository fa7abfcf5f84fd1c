using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Slicing.Data;

namespace Crowd.Slicing.Consumers;

/// <summary>
/// Stores each task's final label once, and counts it on its batch, completing the batch when its last task is final.
/// Every decision of a batch updates the batch's one row, so decisions are taken in batches
/// (<see cref="LabelAcceptedConsumerDefinition"/>): one insert of their results, then one update per batch they belong to.
/// </summary>
public sealed class LabelAcceptedConsumer(Database database) : InboxBatchConsumer<LabelAccepted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<LabelAccepted> messages)
    {
        const string storeResults = """
            INSERT INTO results (task_id, batch_id, label, confidence, agreement, annotation_count, source)
            SELECT task_id, batch_id, label::jsonb, confidence, agreement, annotation_count, source
            FROM unnest(@taskIds, @batchIds, @labels, @confidences, @agreements, @annotationCounts, @sources)
                AS r(task_id, batch_id, label, confidence, agreement, annotation_count, source)
            ORDER BY task_id
            ON CONFLICT (task_id) DO NOTHING
            RETURNING task_id
            """;
        var stored = (await work.QueryAsync<Guid>(storeResults, new
        {
            taskIds = messages.Select(l => l.TaskId).ToArray(),
            batchIds = messages.Select(l => l.BatchId).ToArray(),
            labels = messages.Select(l => l.Label.GetRawText()).ToArray(),
            confidences = messages.Select(l => l.Confidence).ToArray(),
            agreements = messages.Select(l => l.Agreement).ToArray(),
            annotationCounts = messages.Select(l => l.AnnotationCount).ToArray(),
            sources = messages.Select(l => l.Source).ToArray(),
        })).ToHashSet();

        // A task's label delivered twice in one batch is counted once: Remove answers true for its first copy only.
        var counted = messages.Where(l => stored.Remove(l.TaskId));
        foreach (var batch in counted.GroupBy(l => l.BatchId).OrderBy(g => g.Key))
        {
            await work.CountDecidedTasksAsync(batch.Key, batch
                .Select(l => new DecidedTask(l.IsGold ? DecidedAs.Gold : DecidedAs.Accepted, l.AnnotationCount, l.AgreeingCount ?? 0))
                .ToList());
        }
    }
}

/// <summary>
/// Up to 100 decisions at once, or what has come within 10 ms; two batches in hand per instance, so one can be read and
/// written while the other waits for its batch rows. Batch rows are updated in batch id order: no deadlock between them.
/// </summary>
public sealed class LabelAcceptedConsumerDefinition : BatchConsumerDefinition<LabelAcceptedConsumer>;
