using Crowd.Consensus.Domain;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Workers;
using Crowd.Data;

namespace Crowd.Consensus.Data;

/// <summary>
/// Reliability rows this transaction holds locked (<see cref="Reliabilities.LockAsync"/>): nobody else can change them
/// until it ends, so a batch that decides many tasks reads them once, keeps them current as it learns, and stores the
/// changed ones once, in one statement, when it commits.
/// </summary>
public sealed class LockedReliabilities(Dictionary<string, StoredReliability> rows)
{
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    public Dictionary<string, StoredReliability> Rows { get; } = rows;

    /// <summary>These rows were learned from: stored at commit.</summary>
    public void Changed(IEnumerable<string> workerIds) => _changed.UnionWith(workerIds);

    internal Dictionary<string, StoredReliability> ChangedRows() =>
        _changed.ToDictionary(id => id, id => Rows[id], StringComparer.Ordinal); // already locked: any order
}

public static class Reliabilities
{
    /// <summary>
    /// Creates the missing rows and locks them all in worker order, until the transaction ends; what is learned into them
    /// is stored just before it commits.
    /// </summary>
    public static async Task<LockedReliabilities> LockAsync(this UnitOfWork work, IEnumerable<string> workerIds)
    {
        var locked = new LockedReliabilities(await work.ReliabilitiesAsync(workerIds, forUpdate: true));
        work.BeforeCommit(() => work.SaveReliabilitiesAsync(locked.ChangedRows()));
        return locked;
    }

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

    /// <summary>Stores workers' (and models') reliabilities in one statement and tells assignment, whose worker profile shows them.</summary>
    public static async Task SaveReliabilitiesAsync(this UnitOfWork work, IReadOnlyDictionary<string, StoredReliability> reliabilities)
    {
        if (reliabilities.Count == 0)
        {
            return;
        }

        var rows = reliabilities.ToList();
        await work.ExecuteAsync("""
            UPDATE worker_reliability r
            SET correct = u.correct, incorrect = u.incorrect, observations = u.observations, suspended = u.suspended, updated_at = now()
            FROM unnest(@ids, @correct, @incorrect, @observations, @suspended) AS u(worker_id, correct, incorrect, observations, suspended)
            WHERE r.worker_id = u.worker_id
            """, new
        {
            ids = rows.Select(r => r.Key).ToArray(),
            correct = rows.Select(r => r.Value.Reliability.Correct).ToArray(),
            incorrect = rows.Select(r => r.Value.Reliability.Incorrect).ToArray(),
            observations = rows.Select(r => r.Value.Reliability.Observations).ToArray(),
            suspended = rows.Select(r => r.Value.Suspended).ToArray(),
        });
        foreach (var (workerId, stored) in rows.Where(r => !ModelVoters.IsModel(r.Key)))
        {
            // A model has no worker profile.
            work.AnnounceReliability(new WorkerReliabilityChanged
            {
                WorkerId = workerId,
                EstimatedAccuracy = stored.Reliability.Accuracy,
                Observations = stored.Reliability.Observations,
            });
        }
    }
}
