using Crowd.Contracts.Batches;
using Crowd.Data;
using MassTransit;

namespace Crowd.Consensus.Consumers;

/// <summary>
/// Records which requester owns the batch, so that its agreement is answered to them (and admins) only, and how many
/// tasks it has, so that the revisitor knows when every one is final (<see cref="Revisiting.BatchRevisitor"/>). The batch is
/// submitted long before its first annotation (funding and release come between), and nothing in the decision per task
/// depends on the owner, so this message may arrive in any order with the annotations.
/// </summary>
public sealed class BatchSubmittedConsumer(Database database) : InboxConsumer<BatchSubmitted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchSubmitted> context) =>
        await work.ExecuteAsync("""
            INSERT INTO batch_owners (batch_id, requester_id, task_count) VALUES (@BatchId, @RequesterId, @TaskCount)
            ON CONFLICT (batch_id) DO NOTHING
            """, new { context.Message.BatchId, context.Message.RequesterId, context.Message.TaskCount });
}
