namespace Crowd.Data.Tests.Messaging;

/// <summary>
/// Rows a unit of work collects and stores at its commit (<see cref="UnitOfWork.StoredAtCommit{TRows}"/>, as consensus
/// stores a batch's decisions): one collection per unit of work, written once when it commits, never when it rolls back.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class StoredAtCommitTests : MessagingFixture
{
    private sealed class Rows
    {
        public List<int> Sequences { get; } = [];
    }

    [Test]
    public async Task Commit_RowsCollectedThroughTheUnitOfWork_StoredOnceInOneWrite()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false);
        var writes = 0;
        await using (var work = await host.Database.BeginAsync())
        {
            Rows Collected() => work.StoredAtCommit(() => new Rows(), rows =>
            {
                writes++;
                return StoreAsync(work, "committed", rows);
            });

            Collected().Sequences.Add(1);
            Collected().Sequences.AddRange([2, 3]);
            Assert.That(await work.QuerySingleAsync<long>("SELECT count(*) FROM received"), Is.Zero, "nothing is written before the commit");

            await work.CommitAsync();
        }

        Assert.That(writes, Is.EqualTo(1));
        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM received WHERE producer = 'committed'"), Is.EqualTo(3));
    }

    [Test]
    public async Task Dispose_WithoutCommit_StoresNothing()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false);
        var writes = 0;
        await using (var work = await host.Database.BeginAsync())
        {
            work.StoredAtCommit(() => new Rows(), rows =>
            {
                writes++;
                return StoreAsync(work, "rolled-back", rows);
            }).Sequences.Add(1);
        }

        Assert.That(writes, Is.Zero);
        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM received"), Is.Zero);
    }

    private static Task<int> StoreAsync(UnitOfWork work, string producer, Rows rows) =>
        work.ExecuteAsync(
            "INSERT INTO received (message_id, producer, sequence) SELECT gen_random_uuid(), @producer, s FROM unnest(@sequences) AS s",
            new { producer, sequences = rows.Sequences.ToArray() });
}
