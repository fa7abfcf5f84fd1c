using Crowd.Testing;
using MassTransit;
using Npgsql;

namespace Crowd.Data.Tests.Messaging;

/// <summary>
/// The transactional outbox and the inbox against the real PostgreSQL and RabbitMQ: what a service commits is
/// published, what it rolls back is not, a redelivery changes nothing, and a dead relay loses nothing.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class EffectivelyOnceTests : MessagingFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Commit_RolledBackTransaction_PublishesNothing()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await using (var rolledBack = await host.Database.BeginAsync())
        {
            rolledBack.Publish(new Ping { Producer = "rolled-back", Sequence = 1 });
            // Disposed without CommitAsync: the transaction rolls back.
        }

        await PublishAsync(host, "committed", 1);
        await WaitForReceivedAsync(host, 1);
        await Task.Delay(500); // a stray message from the rolled-back transaction would have had time to arrive

        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM received WHERE producer = 'rolled-back'"), Is.Zero);
        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox"), Is.EqualTo(1));
    }

    [Test]
    public async Task Consume_SameMessageDeliveredTwice_ChangesStateOnce()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        var bus = (IBus)host.Services.GetService(typeof(IBus))!;
        var messageId = NewId.NextGuid();

        // Two deliveries of one message (same MessageId), as a broker redelivery or a relay republish produces, at once.
        await Task.WhenAll(
            bus.Publish(new Ping { Producer = "twice", Sequence = 1 }, c => c.MessageId = messageId),
            bus.Publish(new Ping { Producer = "twice", Sequence = 1 }, c => c.MessageId = messageId));
        await PublishAsync(host, "marker", 1);
        await WaitForReceivedAsync(host, 2);
        await Task.Delay(500);

        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM received WHERE producer = 'twice'"), Is.EqualTo(1));
        Assert.That(await host.QueryScalarAsync<long>($"SELECT count(*) FROM inbox WHERE message_id = '{messageId}'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Relay_KilledBeforeSending_SendsUnsentRowsAfterRestart()
    {
        // A service whose relay is dead: it commits its work and its outgoing messages, and nothing leaves.
        await using (var dead = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false))
        {
            for (var i = 1; i <= 20; i++)
            {
                await PublishAsync(dead, "orphaned", i);
            }

            await Task.Delay(1000);
            Assert.That(await dead.QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), Is.EqualTo(20));
            Assert.That(await dead.QueryScalarAsync<long>("SELECT count(*) FROM received"), Is.Zero);
        }

        await using var restarted = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await WaitForReceivedAsync(restarted, 20);

        Assert.That(await restarted.QueryScalarAsync<long>("SELECT count(DISTINCT sequence) FROM received WHERE producer = 'orphaned'"), Is.EqualTo(20));
        await restarted.WaitUntilEveryRowIsMarkedSentAsync(Patience);
    }

    [Test]
    public async Task Relay_KilledAfterPublishingBeforeMarking_RepublishesAndConsumersChangeStateOnce()
    {
        await using (var first = await MessagingHost.StartAsync(ConnectionString, VirtualHost))
        {
            for (var i = 1; i <= 10; i++)
            {
                await PublishAsync(first, "republished", i);
            }

            await WaitForReceivedAsync(first, 10);
        }

        // The relay died after the broker confirmed but before it marked the rows: they look unsent again.
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var reset = new NpgsqlCommand("UPDATE outbox SET sent_at = NULL", connection);
            await reset.ExecuteNonQueryAsync();
        }

        await using var restarted = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await restarted.WaitUntilEveryRowIsMarkedSentAsync(Patience); // republished
        await PublishAsync(restarted, "marker", 1);
        await WaitForReceivedAsync(restarted, 11);

        Assert.That(await restarted.QueryScalarAsync<long>("SELECT count(*) FROM received WHERE producer = 'republished'"), Is.EqualTo(10));
    }

    [Test]
    public async Task Relay_OneProducerManyTransactionsOneOrderingKey_DeliversInCommitOrder()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        const int count = 200;
        for (var i = 1; i <= count; i++)
        {
            // Commit order is kept per ordering key only (no consumer of the platform needs it; see README).
            await using var work = await host.Database.BeginAsync();
            work.Publish(new Ping { Producer = "ordered", Sequence = i }, orderingKey: "ordered");
            await work.CommitAsync();
        }

        await using (var batch = await host.Database.BeginAsync())
        {
            // Several messages in one transaction keep their order too.
            for (var i = count + 1; i <= count + 50; i++)
            {
                batch.Publish(new Ping { Producer = "ordered", Sequence = i }, orderingKey: "ordered");
            }

            await batch.CommitAsync();
        }

        await WaitForReceivedAsync(host, count + 50);
        var inArrivalOrder = await host.QueryScalarAsync<int[]>("SELECT array_agg(sequence ORDER BY position) FROM received");

        Assert.That(inArrivalOrder, Is.EqualTo(Enumerable.Range(1, count + 50).ToArray()));
    }

    [Test]
    public async Task FlushOutbox_LongTransaction_DeliversAfterEarlierCommitsAndInItsOwnOrder()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await using (var release = await host.Database.BeginAsync())
        {
            // Written early in two flushes, the last one at commit: the way a big release writes its chunks. Their own
            // order is kept because they share an ordering key (unkeyed rows go out in any order).
            for (var i = 1; i <= 3; i++)
            {
                release.Publish(new Ping { Producer = "long", Sequence = i }, orderingKey: "long");
            }

            await release.FlushOutboxAsync();
            release.Publish(new Ping { Producer = "long", Sequence = 4 }, orderingKey: "long");
            await release.FlushOutboxAsync();
            release.Publish(new Ping { Producer = "long", Sequence = 5 }, orderingKey: "long");

            // Another transaction commits while this one is open: its message was committed first, so it goes first.
            await PublishAsync(host, "short", 1);
            await WaitForReceivedAsync(host, 1);
            await release.CommitAsync();
        }

        await WaitForReceivedAsync(host, 6);
        var inArrivalOrder = await host.QueryScalarAsync<string[]>("SELECT array_agg(producer || ':' || sequence ORDER BY position) FROM received");

        Assert.That(inArrivalOrder, Is.EqualTo(new[] { "short:1", "long:1", "long:2", "long:3", "long:4", "long:5" }));
    }

    [Test]
    public async Task FlushOutbox_RolledBack_PublishesNothing()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await using (var rolledBack = await host.Database.BeginAsync())
        {
            rolledBack.Publish(new Ping { Producer = "rolled-back", Sequence = 1 });
            await rolledBack.FlushOutboxAsync();
        }

        await PublishAsync(host, "committed", 1);
        await WaitForReceivedAsync(host, 1);
        await Task.Delay(500);

        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM received WHERE producer = 'rolled-back'"), Is.Zero);
        Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox"), Is.EqualTo(1));
    }

    private static async Task PublishAsync(MessagingHost host, string producer, int sequence)
    {
        await using var work = await host.Database.BeginAsync();
        work.Publish(new Ping { Producer = producer, Sequence = sequence });
        await work.CommitAsync();
    }

    private static Task<long> WaitForReceivedAsync(MessagingHost host, long expected) =>
        Eventually.WaitForAsync(() => host.QueryScalarAsync<long>("SELECT count(*) FROM received"), n => n >= expected, Patience,
            $"{expected} messages to be received");
}
