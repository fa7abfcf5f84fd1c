using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Slicing.Data;
using MassTransit;

namespace Crowd.Slicing.Consumers;

/// <summary>Stores a task's final label once, and completes the batch when its last task is final.</summary>
public sealed class LabelAcceptedConsumer(Database database) : InboxConsumer<LabelAccepted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<LabelAccepted> context)
    {
        var label = context.Message;
        const string storeResult = """
            INSERT INTO results (task_id, batch_id, label, confidence, agreement, annotation_count, source)
            VALUES (@TaskId, @BatchId, @Label::jsonb, @Confidence, @Agreement, @AnnotationCount, @Source)
            ON CONFLICT (task_id) DO NOTHING
            """;
        var stored = await work.ExecuteAsync(storeResult, new
        {
            label.TaskId, label.BatchId, Label = label.Label.GetRawText(), label.Confidence, label.Agreement, label.AnnotationCount, label.Source,
        });

        if (stored == 1)
        {
            await work.CountDecidedTaskAsync(label.BatchId, label.IsGold ? DecidedAs.Gold : DecidedAs.Accepted, label.AnnotationCount, label.AgreeingCount ?? 0);
        }
    }
}
