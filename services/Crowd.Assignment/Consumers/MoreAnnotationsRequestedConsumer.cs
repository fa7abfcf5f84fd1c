using Crowd.Assignment.Data;
using Crowd.Assignment.Options;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// Opens one more slot on a task consensus could not decide yet, never past its <c>redundancy.max</c>, and offers it first
/// to the batch's stronger workers (<see cref="HardTasks"/>): the annotators most likely to settle the disagreement.
/// </summary>
public sealed class MoreAnnotationsRequestedConsumer(Database database, IOptions<HardTaskOptions> options) : InboxConsumer<MoreAnnotationsRequested>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<MoreAnnotationsRequested> context)
    {
        var requested = context.Message;
        var settings = options.Value;
        var floor = settings.StrongWorkersFirstFor > TimeSpan.Zero ? await work.MedianReliabilityAsync(requested.BatchId, settings.MedianMaxAge) : null;
        const string open = """
            UPDATE pool_tasks SET open_slots = open_slots + 1, slots_opened = slots_opened + 1,
                strong_floor = @floor, strong_only_until = CASE WHEN @floor IS NULL THEN NULL ELSE now() + @window END
            WHERE task_id = @TaskId AND status = 'open' AND slots_opened < redundancy_max
            """;
        await work.ExecuteAsync(open, new { requested.TaskId, floor, window = settings.StrongWorkersFirstFor });
    }
}
