using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Consumers;

/// <summary>Counts the batch's tasks waiting for QA, for the requester's progress view, and tells the requester's callback.</summary>
public sealed class TaskEscalatedConsumer(Database database) : InboxConsumer<TaskEscalated>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<TaskEscalated> context)
    {
        await work.ExecuteAsync(
            "UPDATE batches SET escalated_count = escalated_count + 1 WHERE batch_id = @BatchId", new { context.Message.BatchId });
        await work.RecordWebhookAsync(context.Message.BatchId, WebhookEvents.TaskEscalated, new { context.Message.TaskId, context.Message.DisagreementId });
    }
}
