using System.Text.Json;
using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Testing;
using Dapper;
using Npgsql;

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
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly JsonElement Schema = JsonDocument.Parse("""{ "kind": "classification", "classes": ["nodule", "no-nodule"] }""").RootElement;
    private ServiceDatabase _assignment = null!;
    private NpgsqlDataSource _dataSource = null!;
    private Database _database = null!;

    [SetUp]
    public async Task CreateSchemaAsync()
    {
        _assignment = await ServiceDatabase.CreateAsync("assign", typeof(ClaimStore).Assembly);
        _dataSource = _assignment.DataSource;
        _database = _assignment.Database;
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _assignment.DisposeAsync();

    [Test]
    public async Task ClaimNext_FortyConcurrentClaimsOfOneWorker_GivesAtMostTheLimitOfEachItemAndAllElse()
    {
        var guarded = NewItems(5);
        await ReleaseAsync(share: 0.3, redundancyMin: 1, guarded); // 10 tasks each: at most 3 per worker
        var unguarded = NewItems(1);
        await ReleaseAsync(share: null, redundancyMin: 1, unguarded);
        await AddWorkerAsync("w1");

        var claims = await ClaimAtOnceAsync(Enumerable.Repeat("w1", 40));

        var held = await HeldPerItemAsync("w1");
        Assert.That(guarded.Select(i => held.GetValueOrDefault(i)), Is.All.EqualTo(3), "each guarded item: its limit, no more (and no fewer)");
        Assert.That(held.GetValueOrDefault(unguarded[0]), Is.EqualTo(10), "a batch without privacy: every task");
        Assert.That(claims.Count(c => c is not null), Is.EqualTo(5 * 3 + 10));
    }

    [Test]
    public async Task ClaimNext_FourWorkersClaimingAtOnce_EachStaysWithinTheLimit()
    {
        var items = NewItems(3);
        await ReleaseAsync(share: 0.3, redundancyMin: 4, items); // slots for everyone: only the guard holds them back
        string[] workers = ["w1", "w2", "w3", "w4"];
        foreach (var worker in workers)
        {
            await AddWorkerAsync(worker);
        }

        var claims = await ClaimAtOnceAsync(workers.SelectMany(w => Enumerable.Repeat(w, 10)));

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
        var item = NewItems(1);
        await ReleaseAsync(share: 0.5, redundancyMin: 1, item, tasksPerItem: 4);
        await AddWorkerAsync("w1");

        var claims = new List<ClaimedTask?>();
        for (var i = 0; i < 4; i++)
        {
            claims.Add(await ClaimAsync("w1"));
        }

        Assert.That(claims.Select(c => c is not null), Is.EqualTo(new[] { true, true, false, false }));
    }

    [Test]
    public async Task ClaimNext_AfterItsClaimsWereReleasedOrExpired_StillCountsThem()
    {
        var item = NewItems(1);
        await ReleaseAsync(share: 0.3, redundancyMin: 1, item);
        await AddWorkerAsync("w1");
        await AddWorkerAsync("w2");
        var first = new List<ClaimedTask>();
        for (var i = 0; i < 3; i++)
        {
            first.Add((await ClaimAsync("w1"))!);
        }

        // The worker gives two back and lets one lapse: the slots return to the pool, but the content has been seen.
        await using (var work = await _database.BeginAsync())
        {
            await work.ExecuteAsync("""
                UPDATE claims SET status = CASE WHEN claim_id = @expired THEN 'expired' ELSE 'released' END, finished_at = now()
                WHERE claim_id = ANY(@claimIds);
                UPDATE pool_tasks SET open_slots = open_slots + 1 WHERE task_id = ANY(@taskIds);
                """, new { expired = first[0].ClaimId, claimIds = first.Select(c => c.ClaimId).ToArray(), taskIds = first.Select(c => c.TaskId).ToArray() });
            await work.CommitAsync();
        }

        Assert.That(await ClaimAsync("w1"), Is.Null, "seven of the item's tasks are open, but w1 has seen three");
        Assert.That(await ClaimAsync("w2"), Is.Not.Null, "another worker may take them");
    }

    private static Guid[] NewItems(int count) => Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();

    /// <summary>Adds the items' tasks to the pool as the TasksReleased consumer does, one batch with the given privacy share.</summary>
    private async Task ReleaseAsync(double? share, int redundancyMin, Guid[] items, int tasksPerItem = 10)
    {
        var released = new TasksReleased
        {
            BatchId = Guid.CreateVersion7(),
            LabelSchema = Schema,
            RequiredQualifications = [],
            Priority = 0,
            RewardCents = 40,
            MaxItemSharePerWorker = share,
            Tasks = items.SelectMany(item => Enumerable.Range(0, tasksPerItem).Select(s => new ReleasedTask
            {
                TaskId = Guid.CreateVersion7(),
                ItemId = item,
                ItemTaskCount = tasksPerItem,
                ContentUri = $"dicomweb://pacs.test/studies/{item}",
                Slice = new SliceRange(s * 10, s * 10 + 10),
                Policy = new TaskPolicy
                {
                    SchemaKind = "classification", Classes = ["nodule", "no-nodule"], RedundancyMin = redundancyMin,
                    RedundancyMax = Math.Max(3, redundancyMin), AcceptanceThreshold = 0.9, IsGold = false,
                },
            })).ToArray(),
        };
        await using var work = await _database.BeginAsync();
        await work.AddReleasedAsync(released, ItemShare.Limits(released));
        await work.CommitAsync();
    }

    private async Task AddWorkerAsync(string workerId)
    {
        await using var work = await _database.BeginAsync();
        await work.ExecuteAsync(
            "INSERT INTO workers (worker_id, display_name, time_zone) VALUES (@workerId, 'Test Worker', 'UTC')", new { workerId });
        await work.CommitAsync();
    }

    private async Task<ClaimedTask?> ClaimAsync(string workerId)
    {
        await using var work = await _database.BeginAsync();
        var claimed = await work.ClaimNextAsync(workerId, Lease);
        await work.CommitAsync();
        return claimed;
    }

    /// <summary>
    /// One claim per entry, each in its own unit of work as the claim endpoint makes them, all opened first and then let go
    /// together, so that the claim statements run at the same time.
    /// </summary>
    private async Task<(string Worker, ClaimedTask Task)?[]> ClaimAtOnceAsync(IEnumerable<string> workers)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claims = new List<Task<(string, ClaimedTask)?>>();
        foreach (var worker in workers)
        {
            var work = await _database.BeginAsync();
            claims.Add(ClaimWhenLetGoAsync(worker, work));
        }

        start.SetResult();
        return await Task.WhenAll(claims);

        async Task<(string, ClaimedTask)?> ClaimWhenLetGoAsync(string worker, UnitOfWork work)
        {
            await using (work)
            {
                await start.Task;
                var claimed = await work.ClaimNextAsync(worker, Lease);
                await work.CommitAsync();
                return claimed is null ? null : (worker, claimed);
            }
        }
    }

    /// <summary>How many claims, of any status, the worker holds on each item (read through the pool, not the claim's copy of the item).</summary>
    private async Task<Dictionary<Guid, int>> HeldPerItemAsync(string workerId)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid ItemId, long Count)>("""
            SELECT t.item_id, count(*) FROM claims c JOIN pool_tasks t USING (task_id) WHERE c.worker_id = @workerId GROUP BY t.item_id
            """, new { workerId });
        return rows.ToDictionary(r => r.ItemId, r => (int)r.Count);
    }
}
