using Crowd.Assignment.Data;
using Crowd.Data;
using Dapper;

namespace Crowd.Assignment.Tests;

/// <summary>
/// The pool pruner against the real PostgreSQL: a batch finished longer ago than the pool keeps it leaves the pool with
/// its claims and annotations; a batch finished recently, one with a task still open and one with a claim still active
/// stay whole.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class PoolPrunerTests
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(7);
    private ClaimPool _pool = null!;
    private int _released;

    [SetUp]
    public async Task CreateSchemaAsync()
    {
        _pool = await ClaimPool.CreateAsync();
        await _pool.AddWorkerAsync("w1");
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _pool.DisposeAsync();

    [Test]
    public async Task Prune_BatchFinishedBeforeTheKeep_LeavesThePoolWithItsClaimsAndAnnotations_OthersStay()
    {
        var old = await ReleaseAndWorkAsync(submit: 4);
        var recent = await ReleaseAndWorkAsync(submit: 4);
        var stillLeased = await ReleaseAndWorkAsync(submit: 3, leaveActive: 1);
        var open = await ReleaseAndWorkAsync(submit: 1);
        await FinishAsync(old, DateTimeOffset.UtcNow - Keep - TimeSpan.FromHours(1));
        await FinishAsync(recent, DateTimeOffset.UtcNow - Keep + TimeSpan.FromHours(1));
        await FinishAsync(stillLeased, DateTimeOffset.UtcNow - Keep - TimeSpan.FromHours(1));
        await FinishAsync(open, DateTimeOffset.UtcNow - Keep - TimeSpan.FromHours(1), tasksFinal: false);
        var before = await RowsAsync();

        var (batches, tasks) = await FinishedBatches.PruneAsync(_pool.DataSource, Keep, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That((batches, tasks), Is.EqualTo((1, 4L)), "one batch, its four tasks");
            Assert.That(await RowsAsync(old), Is.EqualTo((0L, 0L, 0L)), "the old batch's tasks, claims and annotations");
            Assert.That(await RowsAsync(recent), Is.EqualTo((4L, 4L, 4L)));
            Assert.That(await RowsAsync(stillLeased), Is.EqualTo((4L, 4L, 3L)));
            Assert.That(await RowsAsync(open), Is.EqualTo((4L, 1L, 1L)));
            Assert.That(await RowsAsync(), Is.EqualTo((before.Tasks - 4, before.Claims - 4, before.Annotations - 4)), "nothing else");
            Assert.That(await _pool.ScalarAsync<long>("SELECT count(*) FROM finished_batches"), Is.EqualTo(3), "the pruned batch is forgotten");
        });
        Assert.That(await FinishedBatches.PruneAsync(_pool.DataSource, Keep, CancellationToken.None), Is.EqualTo((0, 0L)), "a second pass finds nothing");
        Assert.That((await _pool.ClaimAsync("w1"))?.BatchId, Is.EqualTo(open), "the open batch's tasks are still claimed");
    }

    [Test]
    public async Task Drain_CancelledBatchWithNoOpenClaim_IsFinishedAtItsDrain()
    {
        var cancelled = await ReleaseAndWorkAsync(submit: 2);
        await using (var work = await _pool.Database.BeginAsync())
        {
            await work.ExecuteAsync("INSERT INTO cancelled_batches (batch_id, cancelled_at) VALUES (@cancelled, now())", new { cancelled });
            await work.PublishDrainedAsync(cancelled);
            await work.CommitAsync();
        }

        Assert.That(await _pool.ScalarAsync<bool>(
            "SELECT f.finished_at = c.drained_at FROM finished_batches f JOIN cancelled_batches c USING (batch_id) WHERE batch_id = @cancelled",
            new { cancelled }), Is.True);
    }

    /// <summary>
    /// Releases a batch of four one-annotation tasks (at a higher priority than the batches before it, so they are claimed
    /// first), claims <paramref name="submit"/> +
    /// <paramref name="leaveActive"/> of them and submits the first <paramref name="submit"/>.
    /// </summary>
    private async Task<Guid> ReleaseAndWorkAsync(int submit, int leaveActive = 0)
    {
        var batchId = await _pool.ReleaseAsync(ClaimPool.NewItems(4), redundancyMin: 1, tasksPerItem: 1, priority: ++_released);
        for (var i = 0; i < submit + leaveActive; i++)
        {
            var claim = (await _pool.ClaimAsync("w1"))!;
            Assert.That(claim.BatchId, Is.EqualTo(batchId));
            if (i < submit)
            {
                await using var work = await _pool.Database.BeginAsync();
                Assert.That(await work.SubmitAsync(claim.ClaimId, "w1", Guid.CreateVersion7(), """{"label":"nodule"}""", DateTimeOffset.UtcNow), Is.Not.Null);
                await work.CommitAsync();
            }
        }

        return batchId;
    }

    /// <summary>Records the batch finished at <paramref name="finishedAt"/>, its tasks closed first as TasksFinalized closes them (unless told not to).</summary>
    private async Task FinishAsync(Guid batchId, DateTimeOffset finishedAt, bool tasksFinal = true)
    {
        await using var work = await _pool.Database.BeginAsync();
        if (tasksFinal)
        {
            await work.ExecuteAsync("UPDATE pool_tasks SET status = 'finalized', open_slots = 0 WHERE batch_id = @batchId", new { batchId });
        }

        await work.RecordFinishedAsync(batchId, finishedAt);
        await work.CommitAsync();
    }

    /// <summary>Pool tasks, claims and annotations: the batch's, or all.</summary>
    private async Task<(long Tasks, long Claims, long Annotations)> RowsAsync(Guid? batchId = null)
    {
        await using var connection = await _pool.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(long, long, long)>("""
            SELECT (SELECT count(*) FROM pool_tasks t WHERE @batchId::uuid IS NULL OR t.batch_id = @batchId),
                   (SELECT count(*) FROM claims c JOIN pool_tasks t USING (task_id) WHERE @batchId::uuid IS NULL OR t.batch_id = @batchId),
                   (SELECT count(*) FROM annotations a JOIN pool_tasks t USING (task_id) WHERE @batchId::uuid IS NULL OR t.batch_id = @batchId)
            """, new { batchId });
    }
}
