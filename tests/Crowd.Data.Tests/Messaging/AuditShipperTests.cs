using Crowd.Data.Audit;
using Crowd.Testing;

namespace Crowd.Data.Tests.Messaging;

/// <summary>
/// Audit events journaled with their act's transaction and shipped to the outbox many to a message, against the real
/// PostgreSQL: what commits is shipped once, what rolls back never, two shippers share the journal.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class AuditShipperTests : MessagingFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Shipper_ConcurrentWritersSomeRolledBackAndASecondShipper_EachCommittedEventOnceInOrderAtMostAHundredAMessage()
    {
        // The relay is off so that every message the shippers wrote stays unsent in the outbox, to be read back.
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false);
        const int writers = 8, transactions = 25;
        var committed = 0;
        using var writing = new CancellationTokenSource();
        var writes = Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var t = 0; t < transactions; t++)
            {
                await using var work = await host.Database.BeginAsync();
                var events = t % 3 + 1;
                for (var e = 0; e < events; e++)
                {
                    work.Audit(AuditActor.System, "qa.test", "test", $"{writer}/{t}/{e}", detail: t % 5 == 4 ? "rolled back" : null);
                }

                if (t % 5 != 4) // every fifth transaction is disposed without a commit: it discloses nothing, so leaves no trace
                {
                    await work.CommitAsync();
                    Interlocked.Add(ref committed, events);
                }
            }
        })));
        // A second shipper, beside the host's own, while the writers write: they take turns on the journal.
        var secondShipper = Task.Run(async () =>
        {
            while (!writes.IsCompleted)
            {
                await AuditShipper.ShipAsync(host.Database, most: 30, CancellationToken.None);
            }
        });
        await Task.WhenAll(writes, secondShipper);

        const string shippedEvents = """
            SELECT count(*) FROM outbox o, jsonb_array_elements(o.body->'events') e
            WHERE o.message_type LIKE 'Crowd.Contracts.Audit.AuditEventsRecorded,%'
            """;
        await Eventually.WaitForAsync(() => host.QueryScalarAsync<long>(shippedEvents), n => n >= committed, Patience,
            "every committed event to be shipped");
        await Task.Delay(300); // a late duplicate would show now
        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>(shippedEvents), Is.EqualTo(committed), "each committed event once");
            Assert.That(await host.QueryScalarAsync<long>($"SELECT count(DISTINCT e->>'eventId') FROM ({shippedEvents.Replace("count(*)", "e", StringComparison.Ordinal)}) s"),
                Is.EqualTo(committed), "no event twice");
            Assert.That(await host.QueryScalarAsync<long>($"SELECT count(*) FROM ({shippedEvents.Replace("count(*)", "e", StringComparison.Ordinal)}) s WHERE e->>'detail' = 'rolled back'"),
                Is.Zero, "nothing of a rolled-back transaction");
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM audit_journal"), Is.Zero, "the journal emptied");
            Assert.That(await host.QueryScalarAsync<int>(
                "SELECT max(jsonb_array_length(body->'events')) FROM outbox WHERE message_type LIKE 'Crowd.Contracts.Audit.AuditEventsRecorded,%'"),
                Is.InRange(2, UnitOfWork.MaxBundleItems), "many events a message, and no more than a bundle's limit");
            Assert.That(await host.QueryScalarAsync<long>("""
                SELECT count(*) FROM (
                    SELECT split_part(e->>'subjectId', '/', 3)::int AS event,
                           lag(split_part(e->>'subjectId', '/', 3)::int) OVER (
                               PARTITION BY o.seq, split_part(e->>'subjectId', '/', 1), split_part(e->>'subjectId', '/', 2) ORDER BY n) AS before
                    FROM outbox o, jsonb_array_elements(o.body->'events') WITH ORDINALITY AS x(e, n)) s
                WHERE event <> before + 1
                """), Is.Zero, "a transaction's events in the order they were recorded");
        });
    }
}
