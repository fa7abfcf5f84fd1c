using Crowd.Assignment.Data;
using Dapper;

namespace Crowd.Assignment.Tests;

/// <summary>
/// The re-identification guard (API.md <c>privacy.maxItemSharePerWorker</c>) in the claim statement, against the real
/// PostgreSQL: however many claims a worker fires at once, it is given at most ceil(share × task count) tasks of one item,
/// and still gets everything else it may have.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class ItemShareClaimTests
{
    private ClaimPool _pool = null!;

    [SetUp]
    public async Task CreateSchemaAsync() => _pool = await ClaimPool.CreateAsync();

    [TearDown]
    public async Task DropDatabaseAsync() => await _pool.DisposeAsync();

    [Test]
    public async Task ClaimNext_FortyConcurrentClaimsOfOneWorker_GivesAtMostTheLimitOfEachItemAndAllElse()
    {
        var guarded = ClaimPool.NewItems(5);
        await _pool.ReleaseAsync(guarded, redundancyMin: 1, share: 0.3); // 10 tasks each: at most 3 per worker
        var unguarded = ClaimPool.NewItems(1);
        await _pool.ReleaseAsync(unguarded, redundancyMin: 1);
        await _pool.AddWorkerAsync("w1");

        var claims = await _pool.ClaimAtOnceAsync(Enumerable.Repeat("w1", 40));

        var held = await HeldPerItemAsync("w1");
        Assert.That(guarded.Select(i => held.GetValueOrDefault(i)), Is.All.EqualTo(3), "each guarded item: its limit, no more (and no fewer)");
        Assert.That(held.GetValueOrDefault(unguarded[0]), Is.EqualTo(10), "a batch without privacy: every task");
        Assert.That(claims.Count(c => c is not null), Is.EqualTo(5 * 3 + 10));
    }

    [Test]
    public async Task ClaimNext_FourWorkersClaimingAtOnce_EachStaysWithinTheLimit()
    {
        var items = ClaimPool.NewItems(3);
        await _pool.ReleaseAsync(items, redundancyMin: 4, share: 0.3); // slots for everyone: only the guard holds them back
        string[] workers = ["w1", "w2", "w3", "w4"];
        foreach (var worker in workers)
        {
            await _pool.AddWorkerAsync(worker);
        }

        var claims = await _pool.ClaimAtOnceAsync(workers.SelectMany(w => Enumerable.Repeat(w, 10)));

        foreach (var worker in workers)
        {
            var held = await HeldPerItemAsync(worker);
            Assert.That(held.Values, Is.All.LessThanOrEqualTo(3), worker);
            // A claim may skip a task another worker's claim has locked at that moment, so not every worker need reach 9.
            Assert.That(claims.Count(c => c?.Worker == worker), Is.EqualTo(held.Values.Sum()).And.Positive, worker);
        }
    }

    [Test]
    public async Task ClaimNext_HalfOfFourTasks_GivesTwoThenNothing()
    {
        var item = ClaimPool.NewItems(1);
        await _pool.ReleaseAsync(item, redundancyMin: 1, share: 0.5, tasksPerItem: 4);
        await _pool.AddWorkerAsync("w1");

        var claims = new List<ClaimedTask?>();
        for (var i = 0; i < 4; i++)
        {
            claims.Add(await _pool.ClaimAsync("w1"));
        }

        Assert.That(claims.Select(c => c is not null), Is.EqualTo(new[] { true, true, false, false }));
    }

    [Test]
    public async Task ClaimNext_AfterItsClaimsWereReleasedOrExpired_StillCountsThem()
    {
        var item = ClaimPool.NewItems(1);
        await _pool.ReleaseAsync(item, redundancyMin: 1, share: 0.3);
        await _pool.AddWorkerAsync("w1");
        await _pool.AddWorkerAsync("w2");
        var first = new List<ClaimedTask>();
        for (var i = 0; i < 3; i++)
        {
            first.Add((await _pool.ClaimAsync("w1"))!);
        }

        // The worker gives two back and lets one lapse: the slots return to the pool, but the content has been seen.
        await using (var work = await _pool.Database.BeginAsync())
        {
            await work.ExecuteAsync("""
                UPDATE claims SET status = CASE WHEN claim_id = @expired THEN 'expired' ELSE 'released' END, finished_at = now()
                WHERE claim_id = ANY(@claimIds);
                UPDATE pool_tasks SET open_slots = open_slots + 1 WHERE task_id = ANY(@taskIds);
                """, new { expired = first[0].ClaimId, claimIds = first.Select(c => c.ClaimId).ToArray(), taskIds = first.Select(c => c.TaskId).ToArray() });
            await work.CommitAsync();
        }

        Assert.That(await _pool.ClaimAsync("w1"), Is.Null, "seven of the item's tasks are open, but w1 has seen three");
        Assert.That(await _pool.ClaimAsync("w2"), Is.Not.Null, "another worker may take them");
    }

    /// <summary>How many claims, of any status, the worker holds on each item (read through the pool, not the claim's copy of the item).</summary>
    private async Task<Dictionary<Guid, int>> HeldPerItemAsync(string workerId)
    {
        await using var connection = await _pool.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid ItemId, long Count)>("""
            SELECT t.item_id, count(*) FROM claims c JOIN pool_tasks t USING (task_id) WHERE c.worker_id = @workerId GROUP BY t.item_id
            """, new { workerId });
        return rows.ToDictionary(r => r.ItemId, r => (int)r.Count);
    }
}
