using Crowd.Contracts.Workers;
using Crowd.Data;
using Crowd.Data.Audit;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>A suspended worker gets no more tasks, and the suspension is audited; their open claims may still be submitted within the lease.</summary>
public sealed class WorkerSuspendedConsumer(Database database) : InboxConsumer<WorkerSuspended>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<WorkerSuspended> context)
    {
        var suspended = context.Message;
        var changed = await work.ExecuteAsync(
            "UPDATE workers SET status = 'suspended', updated_at = now() WHERE worker_id = @WorkerId AND status <> 'suspended'",
            new { suspended.WorkerId });
        if (changed == 1)
        {
            // The platform took a person's work away: audited with the reason consensus gave.
            work.Audit(AuditActor.System, "worker.suspended", "worker", suspended.WorkerId, suspended.Reason);
        }
    }
}
