using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Slicing.Data;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Consumers;

/// <summary>
/// Stores each task's final label, and counts it on its batch, completing the batch when its last task is final and
/// consensus has found its labels stable. A later revision of a label (README, "Revisions") replaces the stored one and
/// moves the batch's counters by the difference; an earlier or the same revision delivered again changes nothing.
/// Every decision of a batch updates the batch's one row, so decisions are taken in batches
/// (consensus sends them in bundles, one per decision of its transactions, and several bundles are taken at once):
/// one read and one upsert of their results, then one update per batch.
/// </summary>
public sealed class LabelsAcceptedConsumer(Database database) : InboxBatchConsumer<LabelsAccepted>(database)
{
    private sealed record StoredResult(Guid TaskId, int Revision, int AnnotationCount);

    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<LabelsAccepted> messages)
    {
        // One row per task, its highest revision (an upsert cannot touch a row twice), in task order as every writer locks them.
        var labels = messages.SelectMany(m => m.Labels).GroupBy(l => l.TaskId).Select(g => g.MaxBy(l => l.Revision)!).OrderBy(l => l.TaskId).ToList();
        var taskIds = labels.Select(l => l.TaskId).ToArray();
        var before = (await work.QueryAsync<StoredResult>(
                "SELECT task_id, revision, annotation_count FROM results WHERE task_id = ANY(@taskIds) ORDER BY task_id FOR UPDATE",
                new { taskIds }))
            .ToDictionary(r => r.TaskId);
        var changed = labels.Where(l => !before.TryGetValue(l.TaskId, out var stored) || stored.Revision < l.Revision).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        const string storeResults = """
            INSERT INTO results (task_id, batch_id, label, confidence, agreement, annotation_count, source, revision, model_agrees)
            SELECT task_id, batch_id, label::jsonb, confidence, agreement, annotation_count, source, revision, model_agrees
            FROM unnest(@taskIds, @batchIds, @labels, @confidences, @agreements, @annotationCounts, @sources, @revisions, @modelAgrees::boolean[])
                AS r(task_id, batch_id, label, confidence, agreement, annotation_count, source, revision, model_agrees)
            ORDER BY task_id
            ON CONFLICT (task_id) DO UPDATE SET
                label = EXCLUDED.label, confidence = EXCLUDED.confidence, agreement = EXCLUDED.agreement,
                annotation_count = EXCLUDED.annotation_count, source = EXCLUDED.source,
                revision = EXCLUDED.revision, model_agrees = EXCLUDED.model_agrees, finalized_at = now()
            WHERE results.revision < EXCLUDED.revision
            """;
        await work.ExecuteAsync(storeResults, new
        {
            taskIds = changed.Select(l => l.TaskId).ToArray(),
            batchIds = changed.Select(l => l.BatchId).ToArray(),
            labels = changed.Select(l => l.Label.GetRawText()).ToArray(),
            confidences = changed.Select(l => l.Confidence).ToArray(),
            agreements = changed.Select(l => l.Agreement).ToArray(),
            annotationCounts = changed.Select(l => l.AnnotationCount).ToArray(),
            sources = changed.Select(l => l.Source).ToArray(),
            revisions = changed.Select(l => l.Revision).ToArray(),
            modelAgrees = changed.Select(l => l.ModelAgrees).ToArray(),
        });

        foreach (var batch in changed.GroupBy(l => l.BatchId).OrderBy(g => g.Key))
        {
            var firstTime = batch.Where(l => !before.ContainsKey(l.TaskId))
                .Select(l => new DecidedTask(l.IsGold ? DecidedAs.Gold : DecidedAs.Accepted, l.AnnotationCount, l.AgreeingCount ?? 0, l.Revision))
                .ToList();
            var revisions = batch.Where(l => before.ContainsKey(l.TaskId)).Select(l => Revised(l, before[l.TaskId])).ToList();
            await work.CountDecidedTasksAsync(batch.Key, firstTime, revisions);
            await work.RecordItemsFinalAsync(batch.Key, [.. batch.Where(l => !l.IsGold).Select(l => l.TaskId)]);
        }
    }

    /// <summary>A revised label's change to its batch's counters: the annotations it added, and those of them that earn the bonus.</summary>
    private static RevisedTask Revised(LabelAccepted label, StoredResult stored) =>
        new(label.AnnotationCount - stored.AnnotationCount, label.AgreeingCount ?? 0, label.Revision - stored.Revision);
}

/// <summary>
/// Two batches of bundles in hand per instance, so one can be read and written while the other waits for its batch
/// rows. Batch rows are updated in batch id order: no deadlock between them.
/// </summary>
public sealed class LabelsAcceptedConsumerDefinition : BundleConsumerDefinition<LabelsAcceptedConsumer>;
