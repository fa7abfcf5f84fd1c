using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>Opens one more slot on a task consensus could not decide yet, never past its <c>redundancy.max</c>.</summary>
public sealed class MoreAnnotationsRequestedConsumer(Database database) : InboxConsumer<MoreAnnotationsRequested>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<MoreAnnotationsRequested> context)
    {
        const string open = """
            UPDATE pool_tasks SET open_slots = open_slots + 1, slots_opened = slots_opened + 1
            WHERE task_id = @TaskId AND status = 'open' AND slots_opened < redundancy_max
            """;
        await work.ExecuteAsync(open, new { context.Message.TaskId });
    }
}
