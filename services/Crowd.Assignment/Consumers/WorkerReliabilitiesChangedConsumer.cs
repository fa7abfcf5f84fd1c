using Crowd.Contracts.Workers;
using Crowd.Data;
using Crowd.Data.Messaging;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// Keeps the profile's <c>reliability</c> (API.md, <c>GET /v1/workers/{workerId}</c>) at consensus's latest estimate.
/// Messages from different judgements may arrive out of order; the estimate with more evidence behind it wins, within a
/// batch of messages as against the stored one. One comes with every judged annotation, in bundles (one per consensus
/// transaction), so many are stored at once.
/// </summary>
public sealed class WorkerReliabilitiesChangedConsumer(Database database) : InboxBatchConsumer<WorkerReliabilitiesChanged>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<WorkerReliabilitiesChanged> messages)
    {
        var latest = messages.SelectMany(m => m.Workers).GroupBy(w => w.WorkerId, StringComparer.Ordinal)
            .Select(g => g.MaxBy(m => m.Observations)!)
            .OrderBy(m => m.WorkerId, StringComparer.Ordinal)
            .ToArray();
        // Rows locked in worker order, so two batches updating overlapping workers cannot deadlock.
        const string store = """
            UPDATE workers w SET reliability = r.accuracy, reliability_observations = r.observations, updated_at = now()
            FROM unnest(@workerIds, @accuracies, @observations) AS r(worker_id, accuracy, observations)
            JOIN (SELECT worker_id FROM workers WHERE worker_id = ANY(@workerIds) ORDER BY worker_id FOR NO KEY UPDATE) locked USING (worker_id)
            WHERE w.worker_id = r.worker_id AND w.reliability_observations < r.observations
            """;
        await work.ExecuteAsync(store, new
        {
            workerIds = latest.Select(m => m.WorkerId).ToArray(),
            accuracies = latest.Select(m => m.EstimatedAccuracy).ToArray(),
            observations = latest.Select(m => m.Observations).ToArray(),
        });
    }
}

/// <summary>The batch every consumer of bundles takes (<see cref="BundleConsumerDefinition{TConsumer}"/>).</summary>
public sealed class WorkerReliabilitiesChangedConsumerDefinition : BundleConsumerDefinition<WorkerReliabilitiesChangedConsumer>;
