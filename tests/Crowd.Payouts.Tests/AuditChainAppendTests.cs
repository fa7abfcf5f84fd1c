using Crowd.Contracts.Audit;
using Crowd.Payouts.Audit;

namespace Crowd.Payouts.Tests;

/// <summary>
/// The audit chain appended many events per transaction, on the real PostgreSQL: concurrent batches, events already in
/// the chain and events twice in one batch leave one valid chain holding each event once.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class AuditChainAppendTests
{
    private PayoutsDatabase _payouts = null!;

    [SetUp]
    public async Task CreateDatabaseAsync() => _payouts = await PayoutsDatabase.CreateAsync();

    [TearDown]
    public async Task DropDatabaseAsync() => await _payouts.DisposeAsync();

    [Test]
    public async Task Append_ConcurrentBatchesWithRepeatedEvents_OneValidChainWithEachEventOnce()
    {
        var events = Enumerable.Range(0, 600).Select(Event).ToList();
        await AppendAsync([events[0]]);
        // Six writers at once, batches of 50 overlapping the previous batch by 10 events and repeating one within the batch.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(b => Task.Run(async () =>
        {
            var batch = events.Skip(Math.Max(0, b * 50 - 10)).Take(60).ToList();
            batch.Add(batch[0]);
            await AppendAsync(batch);
        })));

        await using var work = await _payouts.Database.BeginAsync();
        var verification = await work.VerifyAuditChainAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(verification.Valid, Is.True);
            Assert.That(verification.Events, Is.EqualTo(600));
            Assert.That(await _payouts.ScalarAsync<long>("SELECT count(DISTINCT event_id) FROM audit_events"), Is.EqualTo(600));
        });
    }

    [Test]
    public async Task Append_Batch_LinksEachEventToThePreviousInListOrder()
    {
        var events = Enumerable.Range(0, 3).Select(Event).ToList();
        await AppendAsync(events);

        var stored = (await _payouts.ScalarAsync<Guid[]>("SELECT array_agg(event_id ORDER BY seq) FROM audit_events"));
        var first = AuditChain.Hash(AuditChain.Genesis, events[0].EventId, events[0].At, events[0].ActorId, events[0].Role, events[0].Action,
            events[0].SubjectType, events[0].SubjectId, events[0].Detail, events[0].Service);
        Assert.Multiple(async () =>
        {
            Assert.That(stored, Is.EqualTo(events.Select(e => e.EventId).ToArray()));
            Assert.That(await _payouts.ScalarAsync<string>("SELECT previous_hash FROM audit_events WHERE event_id = @EventId", new { events[1].EventId }),
                Is.EqualTo(first));
        });
    }

    private async Task AppendAsync(IReadOnlyList<AuditRecorded> batch)
    {
        await using var work = await _payouts.Database.BeginAsync();
        await work.AppendAsync(batch);
        await work.CommitAsync();
    }

    private static AuditRecorded Event(int i) => new()
    {
        EventId = Guid.CreateVersion7(),
        At = new DateTime(2026, 11, 28, 4, 0, 0, DateTimeKind.Utc).AddTicks(i * 10),
        ActorId = $"worker-{i % 7}",
        Role = "worker",
        Action = "content.disclosed",
        SubjectType = "task",
        SubjectId = $"task-{i}",
        Detail = i % 5 == 0 ? null : $"claim {i}",
    };
}
