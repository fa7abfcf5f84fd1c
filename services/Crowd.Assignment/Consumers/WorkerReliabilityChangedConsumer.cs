using Crowd.Contracts.Workers;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// Keeps the profile's <c>reliability</c> (API.md, <c>GET /v1/workers/{workerId}</c>) at consensus's latest estimate.
/// Messages from different judgements may arrive out of order; the estimate with more evidence behind it wins.
/// </summary>
public sealed class WorkerReliabilityChangedConsumer(Database database) : InboxConsumer<WorkerReliabilityChanged>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<WorkerReliabilityChanged> context)
    {
        await work.ExecuteAsync("""
            UPDATE workers SET reliability = @EstimatedAccuracy, reliability_observations = @Observations, updated_at = now()
            WHERE worker_id = @WorkerId AND reliability_observations < @Observations
            """, new { context.Message.WorkerId, context.Message.EstimatedAccuracy, context.Message.Observations });
    }
}
