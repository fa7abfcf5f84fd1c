namespace Crowd.Assignment.Tests;

/// <summary>
/// Required qualifications in the claim statement, against the real PostgreSQL: the claim reads only the tasks of the
/// qualification sets the worker holds (migration 0006), and must still give exactly what one walk of the whole pool in
/// priority order gave: every task whose requirements the worker holds, best first, and none of the others.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class QualificationClaimTests
{
    private ClaimPool _pool = null!;

    [SetUp]
    public async Task CreateSchemaAsync() => _pool = await ClaimPool.CreateAsync();

    [TearDown]
    public async Task DropDatabaseAsync() => await _pool.DisposeAsync();

    [Test]
    public async Task ClaimNext_WorkerLackingAQualification_NeverGetsThoseTasks()
    {
        // The most urgent work needs MAMMO, which the worker lacks, alone or beside the CT it holds.
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, qualifications: ["MAMMO"], priority: 9);
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, qualifications: ["CT", "MAMMO"], priority: 8);
        var ct = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, qualifications: ["CT"], priority: 1);
        var open = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, priority: 0);
        await _pool.AddWorkerAsync("w1", "CT");

        var claims = await _pool.ClaimUntilNoneAsync("w1");

        Assert.That(claims.Select(c => c.BatchId), Is.EqualTo(Enumerable.Repeat(ct, 10).Concat(Enumerable.Repeat(open, 10))));
    }

    [Test]
    public async Task ClaimNext_WorkerHoldingASuperset_GetsEverySubsetsTasksInPriorityOrder()
    {
        var mriCt = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 3, qualifications: ["MRI", "CT"], priority: 3);
        var ctMri = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 3, qualifications: ["CT", "MRI", "CT"], priority: 5);
        var open = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 3, priority: 4);
        var ct = await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 3, qualifications: ["CT"], priority: 1);
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 3, qualifications: ["NEURO"], priority: 9);
        await _pool.AddWorkerAsync("w1", "XR", "MRI", "CT");

        var claims = await _pool.ClaimUntilNoneAsync("w1");

        Assert.That(claims.Select(c => c.BatchId), Is.EqualTo(new[] { ctMri, open, mriCt, ct }.SelectMany(b => Enumerable.Repeat(b, 3))));
        Assert.That(
            await _pool.ScalarAsync<long>("SELECT count(*) FROM qualification_sets WHERE qualifications @> '{CT,MRI}' AND qualifications <@ '{CT,MRI}'"),
            Is.EqualTo(1), "one set however a batch spells it");
    }

    [Test]
    public async Task ClaimNext_AsManyWorkersAtOnceAsTasksOverSeveralSets_EachGetsOne()
    {
        // A claim locks the one task it takes, whatever number of sets it looks at: no claim is left empty-handed by tasks
        // that other claims looked at but did not take.
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 4, priority: 2);
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 4, qualifications: ["CT"], priority: 1);
        await _pool.ReleaseAsync(ClaimPool.NewItems(1), redundancyMin: 1, tasksPerItem: 4, qualifications: ["MRI"], priority: 2);
        var workers = Enumerable.Range(1, 12).Select(i => $"w{i}").ToArray();
        foreach (var worker in workers)
        {
            await _pool.AddWorkerAsync(worker, "CT", "MRI");
        }

        var claims = await _pool.ClaimAtOnceAsync(workers);

        Assert.That(claims.Count(c => c is null), Is.Zero, "claims that got nothing");
        Assert.That(claims.Select(c => c!.Value.Task.TaskId).Distinct().Count(), Is.EqualTo(12));
    }
}
