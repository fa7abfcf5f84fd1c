using System.Text.Json;
using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Testing;
using Npgsql;

namespace Crowd.Assignment.Tests;

/// <summary>
/// An assignment database of its own, with the pool filled and the claims made as the service makes them (the
/// TasksReleased consumer's store, the claim endpoint's unit of work), for the claim statement's integration tests.
/// </summary>
internal sealed class ClaimPool : IAsyncDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly JsonElement Schema = JsonDocument.Parse("""{ "kind": "classification", "classes": ["nodule", "no-nodule"] }""").RootElement;
    private readonly ServiceDatabase _assignment;

    /// <summary>The open-claim limit the claims are made under: none, unless a test is about the limit.</summary>
    public int MaxOpenClaims { get; set; } = int.MaxValue;

    private ClaimPool(ServiceDatabase assignment) => _assignment = assignment;

    public Database Database => _assignment.Database;

    public NpgsqlDataSource DataSource => _assignment.DataSource;

    public Task<T> ScalarAsync<T>(string sql, object? parameters = null) => _assignment.ScalarAsync<T>(sql, parameters);

    public static async Task<ClaimPool> CreateAsync() => new(await ServiceDatabase.CreateAsync("assign", typeof(ClaimStore).Assembly));

    public ValueTask DisposeAsync() => _assignment.DisposeAsync();

    /// <summary>
    /// Releases one batch of <paramref name="tasksPerItem"/> tasks for each item, as the TasksReleased consumer adds them to
    /// the pool; returns the batch's id.
    /// </summary>
    public async Task<Guid> ReleaseAsync(
        Guid[] items, int redundancyMin, double? share = null, int tasksPerItem = 10, string[]? qualifications = null, int priority = 0)
    {
        var released = new TasksReleased
        {
            BatchId = Guid.CreateVersion7(),
            LabelSchema = Schema,
            RequiredQualifications = qualifications ?? [],
            Priority = priority,
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
        await using var work = await _assignment.Database.BeginAsync();
        await work.AddReleasedAsync(released, ItemShare.Limits(released));
        await work.CommitAsync();
        return released.BatchId;
    }

    public static Guid[] NewItems(int count) => Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();

    public async Task AddWorkerAsync(string workerId, params string[] qualifications)
    {
        await using var work = await _assignment.Database.BeginAsync();
        await work.ExecuteAsync(
            "INSERT INTO workers (worker_id, display_name, time_zone, qualifications) VALUES (@workerId, 'Test Worker', 'UTC', @qualifications)",
            new { workerId, qualifications });
        await work.CommitAsync();
    }

    /// <summary>One claim, committed, as the claim endpoint makes it.</summary>
    public async Task<ClaimedTask?> ClaimAsync(string workerId) =>
        (await _assignment.Database.ClaimNextAsync(workerId, AsWorker(workerId), Lease, MaxOpenClaims)).Task;

    private static AuditActor AsWorker(string workerId) => new(workerId, "worker");

    /// <summary>The worker's claims, one after another, until it gets none.</summary>
    public async Task<List<ClaimedTask>> ClaimUntilNoneAsync(string workerId)
    {
        var claims = new List<ClaimedTask>();
        while (await ClaimAsync(workerId) is { } claimed)
        {
            claims.Add(claimed);
        }

        return claims;
    }

    /// <summary>
    /// One claim per entry, each in its own unit of work as the claim endpoint makes them, all opened first and then let go
    /// together, so that the claim statements run at the same time.
    /// </summary>
    public async Task<(string Worker, ClaimedTask Task)?[]> ClaimAtOnceAsync(IEnumerable<string> workers)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claims = new List<Task<(string, ClaimedTask)?>>();
        foreach (var worker in workers)
        {
            var work = await _assignment.Database.BeginAsync();
            claims.Add(ClaimWhenLetGoAsync(worker, work));
        }

        start.SetResult();
        return await Task.WhenAll(claims);

        async Task<(string, ClaimedTask)?> ClaimWhenLetGoAsync(string worker, UnitOfWork work)
        {
            await using (work)
            {
                await start.Task;
                var claimed = await work.ClaimFromPoolAsync(worker, AsWorker(worker), Lease, MaxOpenClaims);
                return claimed is null ? null : (worker, claimed);
            }
        }
    }
}
