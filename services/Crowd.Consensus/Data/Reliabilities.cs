using Crowd.Consensus.Domain;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Workers;
using Crowd.Data;

namespace Crowd.Consensus.Data;

/// <summary>
/// Reliability rows this transaction holds locked (<see cref="Reliabilities.LockAsync"/>): nobody else can change them
/// until it ends, so a batch that decides many tasks reads them once and keeps them current as it learns.
/// </summary>
public sealed class LockedReliabilities(Dictionary<string, StoredReliability> rows)
{
    public Dictionary<string, StoredReliability> Rows { get; } = rows;

    public bool Covers(IEnumerable<string> workerIds) => workerIds.All(Rows.ContainsKey);
}

public static class Reliabilities
{
    /// <summary>Creates the missing rows and locks them all in worker order, until the transaction ends.</summary>
    public static async Task<LockedReliabilities> LockAsync(this UnitOfWork work, IEnumerable<string> workerIds) =>
        new(await work.ReliabilitiesAsync(workerIds, forUpdate: true));

    private sealed record Row(string WorkerId, double Correct, double Incorrect, double Observations, bool Suspended);

    /// <summary>
    /// The current reliability of each worker (the new-worker prior for one never judged). With <paramref name="forUpdate"/>
    /// the rows are created if missing and locked in worker order, so concurrent judgements cannot deadlock or lose updates.
    /// </summary>
    public static async Task<Dictionary<string, StoredReliability>> ReliabilitiesAsync(
        this UnitOfWork work, IEnumerable<string> workerIds, bool forUpdate = false)
    {
        var ids = workerIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var prior = OneCoinReliability.NewWorker;
        // For update, the missing rows are created first, in the same round trip (the SELECT is the command's one result).
        const string create = """
            INSERT INTO worker_reliability (worker_id, correct, incorrect, observations)
            SELECT id, @Correct, @Incorrect, 0 FROM unnest(@ids) AS id ORDER BY id
            ON CONFLICT (worker_id) DO NOTHING;
            """;
        var rows = await work.QueryAsync<Row>($"""
            {(forUpdate ? create : "")}
            SELECT worker_id, correct, incorrect, observations, suspended FROM worker_reliability
            WHERE worker_id = ANY(@ids) ORDER BY worker_id {(forUpdate ? "FOR UPDATE" : "")}
            """, new { ids, prior.Correct, prior.Incorrect });
        var known = rows.ToDictionary(r => r.WorkerId, r => new StoredReliability(new OneCoinReliability(r.Correct, r.Incorrect, r.Observations), r.Suspended), StringComparer.Ordinal);
        return ids.ToDictionary(id => id, id => known.GetValueOrDefault(id) ?? new StoredReliability(prior, false), StringComparer.Ordinal);
    }

    /// <summary>Stores a worker's (or a model's) reliability and tells assignment, whose worker profile shows it.</summary>
    public static async Task SaveReliabilityAsync(this UnitOfWork work, string workerId, StoredReliability stored)
    {
        await work.ExecuteAsync("""
            UPDATE worker_reliability
            SET correct = @Correct, incorrect = @Incorrect, observations = @Observations, suspended = @Suspended, updated_at = now()
            WHERE worker_id = @workerId
            """, new { workerId, stored.Reliability.Correct, stored.Reliability.Incorrect, stored.Reliability.Observations, stored.Suspended });
        if (ModelVoters.IsModel(workerId))
        {
            return; // a model has no worker profile
        }

        work.AnnounceReliability(new WorkerReliabilityChanged
        {
            WorkerId = workerId,
            EstimatedAccuracy = stored.Reliability.Accuracy,
            Observations = stored.Reliability.Observations,
        });
    }
}
