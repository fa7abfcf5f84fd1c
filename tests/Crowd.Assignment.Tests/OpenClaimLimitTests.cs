using Crowd.Assignment.Data;
using Dapper;

namespace Crowd.Assignment.Tests;

/// <summary>
/// <c>maxOpenClaims</c> (API.md Limits) in the claim statement, against the real PostgreSQL: a worker holds at most that
/// many open claims however many claims it fires at once, and one that is submitted, released or expired makes room.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class OpenClaimLimitTests
{
    private ClaimPool _pool = null!;

    [SetUp]
    public async Task CreateSchemaAsync()
    {
        _pool = await ClaimPool.CreateAsync();
        _pool.MaxOpenClaims = 3;
        await _pool.ReleaseAsync(ClaimPool.NewItems(4), redundancyMin: 1);
        await _pool.AddWorkerAsync("w1");
        await _pool.AddWorkerAsync("w2");
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _pool.DisposeAsync();

    [Test]
    public async Task ClaimNext_TwentyConcurrentClaimsOfOneWorker_GivesExactlyTheLimit()
    {
        var claims = await _pool.ClaimAtOnceAsync(Enumerable.Repeat("w1", 20));

        Assert.That(claims.Count(c => c is not null), Is.EqualTo(3));
        Assert.That(await OpenClaimsAsync("w1"), Is.EqualTo(3));
    }

    [Test]
    public async Task ClaimNext_AtTheLimit_OtherWorkersStillClaim()
    {
        await ClaimTimesAsync("w1", 3);

        Assert.That(await _pool.ClaimAsync("w1"), Is.Null);
        Assert.That(await _pool.ClaimAsync("w2"), Is.Not.Null);
    }

    [TestCase("submitted")]
    [TestCase("released")]
    public async Task ClaimNext_AfterOneClaimIsFinished_ClaimsOneMore(string finished)
    {
        var held = await ClaimTimesAsync("w1", 3);
        await using (var connection = await _pool.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE claims SET status = @finished WHERE claim_id = @ClaimId", new { finished, held[0].ClaimId });
        }

        Assert.That(await _pool.ClaimAsync("w1"), Is.Not.Null);
        Assert.That(await _pool.ClaimAsync("w1"), Is.Null);
    }

    [Test]
    public async Task ClaimNext_ALeaseThatRanOutBeforeTheSweep_IsNotOpen()
    {
        var held = await ClaimTimesAsync("w1", 3);
        await using (var connection = await _pool.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "UPDATE claims SET lease_expires_at = now() - interval '1 second' WHERE claim_id = @ClaimId", new { held[0].ClaimId });
        }

        Assert.That(await _pool.ClaimAsync("w1"), Is.Not.Null, "status is still 'active', but the lease has run out");
    }

    /// <summary>
    /// Every claim counts its worker's open claims; an index of active claims that does not lead with the worker (the
    /// sweeper's by lease was one) let a planner whose statistics had seen few active claims count them all instead, for
    /// every claim: claims alone fell from about 2,000 a second to 600 as the open claims grew (migration 0014).
    /// </summary>
    [Test]
    public async Task Schema_EveryIndexOfActiveClaims_LeadsWithTheWorker()
    {
        await using var connection = await _pool.DataSource.OpenConnectionAsync();
        var leading = (await connection.QueryAsync<(string Index, string Column)>("""
            SELECT i.relname, a.attname
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
            WHERE x.indrelid = 'claims'::regclass AND pg_get_expr(x.indpred, x.indrelid) LIKE '%''active''%'
            """)).ToList();

        Assert.That(leading, Is.Not.Empty, "the open-claims count needs the worker's index of active claims");
        Assert.That(leading.Where(i => i.Column != "worker_id").Select(i => i.Index), Is.Empty);
    }

    private async Task<List<ClaimedTask>> ClaimTimesAsync(string workerId, int times)
    {
        var claims = new List<ClaimedTask>();
        for (var i = 0; i < times; i++)
        {
            claims.Add(await _pool.ClaimAsync(workerId) ?? throw new InvalidOperationException("the pool ran dry"));
        }

        return claims;
    }

    private Task<long> OpenClaimsAsync(string workerId) =>
        _pool.ScalarAsync<long>("SELECT count(*) FROM claims WHERE worker_id = @workerId AND status = 'active'", new { workerId });
}
