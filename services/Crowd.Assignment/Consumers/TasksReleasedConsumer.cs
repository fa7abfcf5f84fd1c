using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// Adds a funded batch's tasks to the pool, each with <c>redundancy.min</c> open slots and the per-worker limit of its
/// item (the re-identification guard, computed once here); a chunk that arrives after the batch was cancelled is added
/// closed, so that it never takes a claim.
/// </summary>
public sealed class TasksReleasedConsumer(Database database) : InboxConsumer<TasksReleased>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<TasksReleased> context)
    {
        var released = context.Message;
        await work.LockBatchAsync(released.BatchId, shared: true);
        await work.AddReleasedAsync(released, ItemShare.Limits(released));
    }
}
