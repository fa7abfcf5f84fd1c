using Crowd.Contracts.Workers;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>A suspended worker gets no more tasks; their open claims may still be submitted within the lease.</summary>
public sealed class WorkerSuspendedConsumer(Database database) : InboxConsumer<WorkerSuspended>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<WorkerSuspended> context)
    {
        await work.ExecuteAsync(
            "UPDATE workers SET status = 'suspended', updated_at = now() WHERE worker_id = @WorkerId",
            new { context.Message.WorkerId });
    }
}
