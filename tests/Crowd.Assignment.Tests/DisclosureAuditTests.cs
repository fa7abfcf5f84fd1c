using Dapper;

namespace Crowd.Assignment.Tests;

/// <summary>
/// A claim hands the worker a reference to patient data: the claim statement journals the disclosure itself, against the
/// real PostgreSQL, so a claim and its trace commit together, and a claim refused or given nothing leaves no trace.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DisclosureAuditTests
{
    private ClaimPool _pool = null!;

    [SetUp]
    public async Task CreateSchemaAsync()
    {
        _pool = await ClaimPool.CreateAsync();
        _pool.MaxOpenClaims = 3;
        await _pool.ReleaseAsync(ClaimPool.NewItems(4), redundancyMin: 1);
        await _pool.AddWorkerAsync("w1");
    }

    [TearDown]
    public async Task DropDatabaseAsync() => await _pool.DisposeAsync();

    [Test]
    public async Task ClaimNext_TwentyAtOnceUnderALimitOfThree_EachClaimMadeJournalsOneDisclosureAndNoOtherDoes()
    {
        var claims = await _pool.ClaimAtOnceAsync(Enumerable.Repeat("w1", 20));
        Assert.That(await _pool.ClaimAsync("nobody"), Is.Null, "a worker without a profile is given nothing");

        await using var connection = await _pool.DataSource.OpenConnectionAsync();
        var journaled = (await connection.QueryAsync<(string ActorId, string Role, string Action, string SubjectType, string SubjectId, string Detail)>(
            "SELECT actor_id, role, action, subject_type, subject_id, detail FROM audit_journal ORDER BY seq")).ToList();
        var made = (await connection.QueryAsync<(Guid ClaimId, Guid TaskId, string ContentUri)>(
            "SELECT c.claim_id, c.task_id, t.content_uri FROM claims c JOIN pool_tasks t USING (task_id)")).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(claims.Count(c => c is not null), Is.EqualTo(3));
            Assert.That(journaled, Is.EquivalentTo(made.Select(c =>
                ("w1", "worker", "content.disclosed", "task", c.TaskId.ToString(), $"claim {c.ClaimId}: {c.ContentUri}"))),
                "one disclosure to the worker for each claim made, naming the claim and the content it discloses");
        });
    }
}
