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
/// A task whose final label consensus disputes on revisiting its batch (README, "Revisions") is reopened the same way,
/// at its next revision and with room up to its budget (<c>redundancy.max</c> + 2).
/// </summary>
public sealed class MoreAnnotationsRequestedConsumer(Database database, IOptions<HardTaskOptions> options) : InboxConsumer<MoreAnnotationsRequested>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<MoreAnnotationsRequested> context)
    {
        var requested = context.Message;
        var settings = options.Value;
        var floor = settings.StrongWorkersFirstFor > TimeSpan.Zero ? await work.MedianReliabilityAsync(requested.BatchId, settings.MedianMaxAge) : null;
        const string open = """
            UPDATE pool_tasks SET status = 'open', open_slots = open_slots + 1, slots_opened = slots_opened + 1,
                redundancy_max = GREATEST(redundancy_max, COALESCE(@Budget, 0)), revision = GREATEST(revision, @Revision),
                strong_floor = @floor, strong_only_until = CASE WHEN @floor IS NULL THEN NULL ELSE now() + @window END
            WHERE task_id = @TaskId
              AND (status = 'open' OR (@Budget IS NOT NULL AND status = 'finalized'))
              AND slots_opened < GREATEST(redundancy_max, COALESCE(@Budget, 0))
            """;
        await work.ExecuteAsync(open, new { requested.TaskId, requested.Budget, requested.Revision, floor, window = settings.StrongWorkersFirstFor });
    }
}
