using Crowd.Consensus.Data;
using Crowd.Testing;

namespace Crowd.Consensus.Tests;

/// <summary>
/// When a batch is due for its revisit (every task final), on consensus's real schema: the trigger counts each change of
/// a task's finality whatever statement makes it, and the revisitor's fold keeps the count while emptying the log.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class FinalTaskCountTests
{
    private ServiceDatabase _consensus = null!;

    [SetUp]
    public async Task CreateDatabaseAsync() => _consensus = await ServiceDatabase.CreateAsync("consensus", typeof(TaskStore).Assembly);

    [TearDown]
    public async Task DropDatabaseAsync() => await _consensus.DisposeAsync();

    [Test]
    public async Task Due_EveryTaskFinal_OnlyThen_ThroughReopeningEscalationAndExclusion()
    {
        var batch = await BatchAsync(taskCount: 3);
        var (first, second) = (await TaskAsync(batch), await TaskAsync(batch));
        await SetStatusAsync(first, TaskStore.Finalized);
        await SetStatusAsync(second, TaskStore.Finalized);
        Assert.That(await DueAsync(batch), Is.False, "two of three tasks final (the third has no annotation yet)");

        var third = await TaskAsync(batch);
        await SetStatusAsync(third, TaskStore.Finalized);
        Assert.That(await DueAsync(batch), Is.True, "every task final, the changes not folded yet");
        await FoldAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await DueAsync(batch), Is.True, "every task final, folded");
            Assert.That(await _consensus.ScalarAsync<long>("SELECT count(*) FROM final_task_changes"), Is.Zero);
            Assert.That(await _consensus.ScalarAsync<int>("SELECT final_task_count FROM batch_owners WHERE batch_id = @batch", new { batch }), Is.EqualTo(3));
        });

        await SetStatusAsync(second, TaskStore.Collecting); // a revisit reopened it
        Assert.That(await DueAsync(batch), Is.False, "reopened");
        await FoldAsync();
        await SetStatusAsync(second, TaskStore.Escalated);
        Assert.That(await DueAsync(batch), Is.False, "with QA");
        await SetStatusAsync(second, TaskStore.Excluded);
        Assert.That(await DueAsync(batch), Is.True, "excluded by QA: final");
        await SetStatusAsync(second, TaskStore.Excluded); // the same status again changes nothing
        await FoldAsync();
        Assert.That(await _consensus.ScalarAsync<int>("SELECT final_task_count FROM batch_owners WHERE batch_id = @batch", new { batch }), Is.EqualTo(3));
    }

    [Test]
    public async Task Fold_TasksFinalBeforeTheBatchIsKnown_KeepsThemUntilItIs()
    {
        var batch = Guid.CreateVersion7();
        var task = await TaskAsync(batch);
        await SetStatusAsync(task, TaskStore.Finalized);
        await FoldAsync(); // consensus has not heard of the batch yet: its change stays logged

        await _consensus.ScalarAsync<int>(
            "INSERT INTO batch_owners (batch_id, requester_id, task_count) VALUES (@batch, 'requester-1', 1) RETURNING 1", new { batch });
        Assert.That(await DueAsync(batch), Is.True);
        await FoldAsync();
        Assert.That(await DueAsync(batch), Is.True);
    }

    private async Task<Guid> BatchAsync(int taskCount)
    {
        var batch = Guid.CreateVersion7();
        await _consensus.ScalarAsync<int>(
            "INSERT INTO batch_owners (batch_id, requester_id, task_count) VALUES (@batch, 'requester-1', @taskCount) RETURNING 1", new { batch, taskCount });
        return batch;
    }

    private async Task<Guid> TaskAsync(Guid batch)
    {
        var task = Guid.CreateVersion7();
        await _consensus.ScalarAsync<int>(
            "INSERT INTO consensus_tasks (task_id, batch_id, policy) VALUES (@task, @batch, '{}') RETURNING 1", new { task, batch });
        return task;
    }

    private async Task SetStatusAsync(Guid task, string status) =>
        Assert.That(await _consensus.ScalarAsync<int?>("UPDATE consensus_tasks SET status = @status WHERE task_id = @task RETURNING 1", new { task, status }), Is.EqualTo(1));

    private async Task FoldAsync()
    {
        await using var work = await _consensus.Database.BeginAsync();
        await work.FoldFinalTaskCountsAsync();
        await work.CommitAsync();
    }

    /// <summary>The revisitor's two questions: is the batch among those due, and is it due once its lock is held.</summary>
    private async Task<bool> DueAsync(Guid batch)
    {
        await using var work = await _consensus.Database.BeginAsync();
        var listed = (await work.BatchesDueAsync()).Contains(batch);
        var (due, allFinal) = await work.RevisitStateAsync(batch);
        Assert.That((due, allFinal), Is.EqualTo((listed, listed)), "the list and the check under the lock agree");
        return listed;
    }
}
