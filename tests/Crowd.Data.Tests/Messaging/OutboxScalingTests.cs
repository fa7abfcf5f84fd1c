using System.Diagnostics;
using Crowd.Data.Outbox;
using Crowd.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.Data.Tests.Messaging;

/// <summary>
/// The outbox without a commit-order lock, against the real PostgreSQL and RabbitMQ: concurrent writers, a row that
/// commits late with a smaller seq, two relays on one database, a row that cannot be published, a broker that goes
/// away, ordering per key, and a message no consumer can handle.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class OutboxScalingTests : MessagingFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Relay_ConcurrentWritersAndALateCommitWithASmallerSeq_PublishesEveryRowExactlyOnce()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);

        // A transaction that writes its row first (the smallest seq) and commits after everything else was sent: a
        // relay that read "seq greater than the last sent" would never see it.
        var late = await host.Database.BeginAsync();
        var lateSeq = await late.ExecuteScalarAsync<long>(
            "INSERT INTO outbox (id, message_type, body) VALUES (gen_random_uuid(), @type, @body::jsonb) RETURNING seq",
            new { type = $"{typeof(Burst).FullName}, {typeof(Burst).Assembly.GetName().Name}", body = """{"writer":-1,"sequence":0}""" });

        const int writers = 16, transactions = 40;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var t = 0; t < transactions; t++)
            {
                await using var work = await host.Database.BeginAsync();
                // One to three messages per transaction.
                for (var m = 0; m <= t % 3; m++)
                {
                    work.Publish(new Burst { Writer = writer, Sequence = t * 3 + m });
                }

                await work.CommitAsync();
            }
        })));
        var written = await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox");
        await WaitForAsync(host, "SELECT count(DISTINCT message_id) FROM deliveries", written, "every committed row to be delivered");
        Assert.That(await host.QueryScalarAsync<long>("SELECT min(seq) FROM outbox WHERE sent_at IS NOT NULL"), Is.GreaterThan(lateSeq),
            "the late row is older than every row sent before it commits");

        await late.CommitAsync();
        await late.DisposeAsync();
        await WaitForAsync(host, "SELECT count(DISTINCT message_id) FROM deliveries", written + 1, "the late row to be delivered");
        await host.WaitUntilEveryRowIsMarkedSentAsync(Patience);

        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM deliveries WHERE writer = -1"), Is.EqualTo(1));
            Assert.That(await DuplicatesAsync(host), Is.Zero, "deliveries of one row");
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) - count(DISTINCT seq) FROM outbox_marks"), Is.Zero, "rows marked sent twice");
        });
    }

    [Test]
    public async Task PublishInBundle_ManyItemsInOneTransaction_GoAsFewMessagesOfBoundedSizeInOrderOnlyIfItCommits()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        const int items = 2 * UnitOfWork.MaxBundleItems + 50;
        await using (var work = await host.Database.BeginAsync())
        {
            for (var i = 0; i < items; i++)
            {
                work.PublishInBundle(new Burst { Writer = 1, Sequence = i }, bursts => new Bursts { Items = bursts });
            }

            work.Publish(new Burst { Writer = 2, Sequence = 0 }); // a message of its own beside the bundle
            await work.CommitAsync();
        }

        await using (var work = await host.Database.BeginAsync())
        {
            work.PublishInBundle(new Burst { Writer = 3, Sequence = 0 }, bursts => new Bursts { Items = bursts });
            // Disposed without a commit: rolled back, and its bundle with it.
        }

        await WaitForAsync(host, "SELECT count(*) FROM deliveries", items + 1, "every item of the bundles and the message of its own");
        await Task.Delay(500);
        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox"), Is.EqualTo(4),
                "three bundles of at most the limit's items, and the message of its own; nothing of the rolled-back transaction");
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM deliveries WHERE writer = 1"), Is.EqualTo(items));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(DISTINCT sequence) FROM deliveries WHERE writer = 1"), Is.EqualTo(items),
                "each item once");
            Assert.That(await host.QueryScalarAsync<long>(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM deliveries WHERE writer = 1 GROUP BY message_id) b"), Is.EqualTo(UnitOfWork.MaxBundleItems));
            Assert.That(await host.QueryScalarAsync<long>("""
                SELECT count(*) FROM (SELECT sequence, lag(sequence) OVER (PARTITION BY message_id ORDER BY position) AS before
                                      FROM deliveries WHERE writer = 1) d
                WHERE sequence <> before + 1
                """), Is.Zero, "within a bundle, the items in the order they were queued");
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM deliveries WHERE writer = 2"), Is.EqualTo(1));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM deliveries WHERE writer = 3"), Is.Zero);
        });
    }

    [Test]
    public async Task Relay_BundlesRegisteredToMerge_GoAsFewMessagesOfBoundedSizeEachItemOnceAndTheSameRowsUnderTheSameId()
    {
        // Sixty transactions' small bundles, one full bundle, and a keyed bundle, all waiting when a relay starts: one window.
        const int small = 60;
        await using (var dead = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false))
        {
            for (var t = 0; t < small; t++)
            {
                await using var work = await dead.Database.BeginAsync();
                for (var i = 0; i <= t % 3; i++) // one to three items
                {
                    work.PublishInBundle(new Burst { Writer = 1, Sequence = t * 3 + i }, bursts => new Bursts { Items = bursts });
                }

                await work.CommitAsync();
            }

            await using (var work = await dead.Database.BeginAsync())
            {
                for (var i = 0; i < UnitOfWork.MaxBundleItems; i++)
                {
                    work.PublishInBundle(new Burst { Writer = 2, Sequence = i }, bursts => new Bursts { Items = bursts });
                }

                await work.CommitAsync();
            }

            await using (var work = await dead.Database.BeginAsync())
            {
                work.Publish(new Bursts { Items = [new Burst { Writer = 3, Sequence = 0 }] }, orderingKey: "key-1");
                await work.CommitAsync();
            }
        }

        const long smallItems = small / 3 * (1 + 2 + 3);
        const long allItems = smallItems + UnitOfWork.MaxBundleItems + 1;
        void Merge(IServiceCollection services) =>
            services.AddOutboxMerge<Bursts>(bundle => bundle.Items.Count, bundles => new Bursts { Items = [.. bundles.SelectMany(b => b.Items)] });
        var oneRelay = new Dictionary<string, string?> { ["Outbox:Relays"] = "1" };
        const string messageIds = "SELECT string_agg(DISTINCT message_id::text, ',' ORDER BY message_id::text) FROM deliveries";
        string firstIds;
        await using (var relaying = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: oneRelay, services: Merge))
        {
            await WaitForAsync(relaying, "SELECT count(*) FROM deliveries", allItems, "every item");
            await WaitForAsync(relaying, "SELECT count(*) FROM outbox_marks", small + 2, "every row to be marked sent");
            await Task.Delay(500);
            Assert.Multiple(async () =>
            {
                Assert.That(await relaying.QueryScalarAsync<long>("SELECT count(*) FROM deliveries"), Is.EqualTo(allItems), "each item once");
                Assert.That(await relaying.QueryScalarAsync<long>("SELECT count(DISTINCT message_id) FROM deliveries WHERE writer = 1"),
                    Is.EqualTo((smallItems + UnitOfWork.MaxBundleItems - 1) / UnitOfWork.MaxBundleItems), "the small bundles in as few messages as hold them");
                Assert.That(await relaying.QueryScalarAsync<long>(
                    "SELECT max(n) FROM (SELECT count(*) AS n FROM deliveries GROUP BY message_id) m"), Is.EqualTo(UnitOfWork.MaxBundleItems),
                    "no message above the bundle limit");
                Assert.That(await relaying.QueryScalarAsync<long>("""
                    SELECT count(*) FROM (SELECT writer, sequence, lag(sequence) OVER (PARTITION BY message_id ORDER BY position) AS before
                                          FROM deliveries WHERE writer = 1) d
                    WHERE sequence < before
                    """), Is.Zero, "within a merged message, the items in the order their transactions wrote them");
                Assert.That(await relaying.QueryScalarAsync<long>(
                    "SELECT count(*) FROM deliveries d JOIN outbox o ON o.id = d.message_id WHERE d.writer IN (2, 3)"), Is.EqualTo(UnitOfWork.MaxBundleItems + 1),
                    "the full bundle and the keyed one go alone, under their rows' ids");
            });
            firstIds = await relaying.QueryScalarAsync<string>(messageIds);
        }

        // A relay killed between the confirms and its commit leaves the rows unsent: the same rows go again, merged the same
        // way, under the same ids, which the consumers' inboxes drop.
        await using (var dead = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false))
        {
            await dead.QueryScalarAsync<int>("WITH unsent AS (UPDATE outbox SET sent_at = NULL RETURNING 1) SELECT count(*)::int FROM unsent");
        }

        await using (var relaying = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: oneRelay, services: Merge))
        {
            await WaitForAsync(relaying, "SELECT count(*) FROM deliveries", 2 * allItems, "every item a second time");
            Assert.That(await relaying.QueryScalarAsync<string>(messageIds), Is.EqualTo(firstIds), "the message ids of the second publish");
        }
    }

    [Test]
    public async Task Relay_TwoRelaysOnOneDatabase_PublishEachRowOnce()
    {
        var fourLoops = new Dictionary<string, string?> { ["Outbox:Relays"] = "2", ["Outbox:BatchSize"] = "50" };
        await using var first = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: fourLoops);
        await using var second = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: fourLoops);

        const int writers = 8, transactions = 60;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var database = writer % 2 == 0 ? first.Database : second.Database;
            for (var t = 0; t < transactions; t++)
            {
                await using var work = await database.BeginAsync();
                work.Publish(new Burst { Writer = writer, Sequence = t });
                work.Publish(new Burst { Writer = writer, Sequence = t + transactions });
                await work.CommitAsync();
            }
        })));
        const long expected = writers * transactions * 2;
        await WaitForAsync(first, "SELECT count(DISTINCT message_id) FROM deliveries", expected, "every row to be delivered");
        await WaitForAsync(first, "SELECT count(*) FROM outbox_marks", expected, "every row to be marked sent");
        await Task.Delay(500); // a second publish of some row would have had time to arrive

        var duplicates = await DuplicatesAsync(first);
        TestContext.Out.WriteLine($"{expected} rows, {duplicates} duplicate deliveries");
        Assert.Multiple(async () =>
        {
            Assert.That(await first.QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), Is.Zero);
            Assert.That(await first.QueryScalarAsync<long>("SELECT count(*) FROM outbox_marks"), Is.EqualTo(expected), "marks: one per row");
            Assert.That(duplicates, Is.Zero, "deliveries of one row");
        });
    }

    [Test]
    public async Task Relay_WindowsCutShortByMessageBytes_PublishEveryRow()
    {
        // About three rows' bodies per window, as a large release's chunks would be cut.
        var smallWindows = new Dictionary<string, string?> { ["Outbox:MaxWindowBytes"] = "100", ["Outbox:Relays"] = "1" };
        await using (var dead = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false))
        {
            await PublishBurstsAsync(dead, 1, 40);
        }

        await using var relaying = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: smallWindows);
        await WaitForAsync(relaying, "SELECT count(DISTINCT sequence) FROM deliveries", 40, "every row, a few per window");
        Assert.That(await relaying.QueryScalarAsync<long>("SELECT count(DISTINCT marked_by) FROM outbox_marks"), Is.GreaterThan(5),
            "rows marked in many windows, not one");
    }

    [Test]
    public async Task Relay_RowThatCannotBePublished_IsParkedWhileTheRowsBehindItFlowAndGoesOnRetry()
    {
        var quickRetries = new Dictionary<string, string?> { ["Outbox:MaxAttempts"] = "3", ["Outbox:RetryBackoff"] = "00:00:00.05" };
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: quickRetries);
        // A message whose type this build no longer has: it can never be read back, let alone published.
        await using (var work = await host.Database.BeginAsync())
        {
            await work.ExecuteAsync("""
                INSERT INTO outbox (id, message_type, body) VALUES ('00000000-0000-0000-0000-00000000bad1', 'Crowd.Gone.Message, Crowd.Gone', '{"writer":0,"sequence":0}')
                """);
            await work.CommitAsync();
        }

        for (var i = 1; i <= 10; i++)
        {
            await using var work = await host.Database.BeginAsync();
            work.Publish(new Burst { Writer = 1, Sequence = i });
            await work.CommitAsync();
        }

        await WaitForAsync(host, "SELECT count(*) FROM deliveries", 10, "the rows behind the bad one");
        await WaitForAsync(host, "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL", 1, "the bad row to be parked");
        var parked = (await ParkedMessages.ListAsync(host.DataSource)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(parked.Id, Is.EqualTo(Guid.Parse("00000000-0000-0000-0000-00000000bad1")));
            Assert.That(parked.Attempts, Is.EqualTo(3));
            Assert.That(parked.LastError, Does.Contain("Crowd.Gone"));
        });

        // The operator mends the cause (here: the row names a type that exists again), then retries the row.
        await using (var work = await host.Database.BeginAsync())
        {
            await work.ExecuteAsync("UPDATE outbox SET message_type = @type WHERE id = @Id",
                new { type = $"{typeof(Burst).FullName}, {typeof(Burst).Assembly.GetName().Name}", parked.Id });
            await work.CommitAsync();
        }

        Assert.That(await ParkedMessages.RetryAsync(host.DataSource, parked.Id), Is.EqualTo(1));
        await WaitForAsync(host, "SELECT count(*) FROM deliveries", 11, "the retried row");
        Assert.That(await ParkedMessages.ListAsync(host.DataSource), Is.Empty);
    }

    [Test]
    public async Task Relay_BrokerGoneForAWhile_RowsWaitUncountedAndGoWhenItIsBack()
    {
        var shortTimeout = new Dictionary<string, string?> { ["Outbox:PublishTimeout"] = "00:00:02", ["Outbox:MaxAttempts"] = "2" };
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: shortTimeout);
        await PublishBurstsAsync(host, 1, 5);
        await WaitForAsync(host, "SELECT count(*) FROM deliveries", 5, "the first rows");

        // The broker goes away for the relay (and the consumers): connections closed and refused; the queues stay.
        await TestInfrastructure.BlockConnectionsAsync(VirtualHost);
        await PublishBurstsAsync(host, 6, 20);
        await Task.Delay(TimeSpan.FromSeconds(6)); // several publish timeouts: more than MaxAttempts if they were counted
        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), Is.EqualTo(15));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL OR attempts > 0"), Is.Zero,
                "an outage is nobody's fault: no attempts counted, nothing parked");
        });

        await TestInfrastructure.UnblockConnectionsAsync(VirtualHost);
        await WaitForAsync(host, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL", 20, "the waiting rows to go once the broker is back");
        await WaitForAsync(host, "SELECT count(DISTINCT sequence) FROM deliveries", 20, "the waiting rows to be delivered");
    }

    [Test]
    public async Task Relay_KeyedRowsFromConcurrentProducers_DeliveredInCommitOrderPerKey()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, settings: new Dictionary<string, string?> { ["Outbox:BatchSize"] = "20" });
        const int producers = 4, count = 60;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 1; i <= count; i++)
            {
                await using var work = await host.Database.BeginAsync();
                work.Publish(new Ping { Producer = $"producer-{p}", Sequence = i }, orderingKey: $"producer-{p}");
                await work.CommitAsync();
            }
        })));

        await WaitForAsync(host, "SELECT count(*) FROM received", producers * count, "every keyed message");
        for (var p = 0; p < producers; p++)
        {
            var arrival = await host.QueryScalarAsync<int[]>($"SELECT array_agg(sequence ORDER BY position) FROM received WHERE producer = 'producer-{p}'");
            Assert.That(arrival, Is.EqualTo(Enumerable.Range(1, count).ToArray()), $"producer-{p}'s messages in commit order");
        }
    }

    [Test]
    public async Task Consume_MessageNoConsumerCanHandle_EndsInErrorQueueAfterBoundedRetriesAndLaterMessagesAreHandled()
    {
        FlakyConsumer.Poison.Reset();
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await using (var work = await host.Database.BeginAsync())
        {
            work.Publish(new Flaky { Sequence = 0, Poison = true });
            await work.CommitAsync();
        }

        for (var i = 1; i <= 10; i++)
        {
            await using var work = await host.Database.BeginAsync();
            work.Publish(new Flaky { Sequence = i, Poison = false });
            await work.CommitAsync();
        }

        await WaitForAsync(host, "SELECT count(*) FROM flaky_handled", 10, "the messages behind the poison one");
        await Eventually.WaitForAsync(() => TestInfrastructure.QueueDepthAsync(VirtualHost, "datatests-flaky_error"), n => n == 1, Patience,
            "the poison message in datatests-flaky_error");
        await Task.Delay(500);
        Assert.Multiple(async () =>
        {
            Assert.That(FlakyConsumer.Poison.Attempts, Is.EqualTo(7), "one delivery and six retries, then no more");
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM flaky_handled"), Is.EqualTo(10));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE consumer = 'FlakyConsumer'"), Is.EqualTo(10),
                "the poison message left no inbox row: an operator may move it back once its consumer can handle it");
        });
    }

    [Test]
    public async Task ConsumeBatch_OneMessageNoConsumerCanHandle_TheOthersOfItsBatchAreHandledAtOnce()
    {
        FlakyBatchConsumer.Poison.Reset();
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost);
        await using (var work = await host.Database.BeginAsync())
        {
            // Published together, so they reach the consumer in one batch, the poison one among them.
            for (var i = 1; i <= 10; i++)
            {
                work.Publish(new FlakyInBatch { Sequence = 100 + i, Poison = i == 5 });
            }

            await work.CommitAsync();
        }

        // Well before the retries of the poison message are spent (about 9 s): the batch was not held back by it.
        var handled = Stopwatch.StartNew();
        await WaitForAsync(host, "SELECT count(*) FROM flaky_handled WHERE sequence > 100", 9, "the batch's other messages");
        Assert.That(handled.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the others were handled on the first failure, not after the retries");

        await Eventually.WaitForAsync(() => TestInfrastructure.QueueDepthAsync(VirtualHost, "datatests-flaky-batch_error"), n => n == 10, Patience,
            "the failed batch's messages in datatests-flaky-batch_error");
        await Task.Delay(500);
        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM flaky_handled WHERE sequence > 100"), Is.EqualTo(9));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM inbox WHERE consumer = 'FlakyBatchConsumer'"), Is.EqualTo(9),
                "the handled ones are in the inbox, so moving the parked batch back handles only the poison one again");
            Assert.That(FlakyBatchConsumer.Poison.Attempts, Is.InRange(7, 14), "bounded: each of the seven deliveries tries it in its batch and then alone");
        });
    }

    [Test]
    public async Task Prune_SentRowsOldInboxRowsAndOldIdempotencyKeys_GoAndUnsentOrParkedRowsStay()
    {
        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false);
        await using (var work = await host.Database.BeginAsync())
        {
            await work.ExecuteAsync("""
                INSERT INTO outbox (id, message_type, body, created_at, sent_at, parked_at) VALUES
                    (gen_random_uuid(), 'x', '{}', now() - interval '2 hours', now() - interval '2 hours', NULL),
                    (gen_random_uuid(), 'x', '{}', now() - interval '2 hours', now() - interval '1 minute', NULL),
                    (gen_random_uuid(), 'x', '{}', now() - interval '2 hours', NULL, NULL),
                    (gen_random_uuid(), 'x', '{}', now() - interval '2 hours', NULL, now() - interval '2 hours');
                INSERT INTO inbox (message_id, consumer, received_at) VALUES
                    (gen_random_uuid(), 'c', now() - interval '8 days'), (gen_random_uuid(), 'c', now() - interval '6 days');
                INSERT INTO idempotency_keys (principal, operation, key, status_code, response, created_at) VALUES
                    ('p', 'op', 'old', 201, '{}', now() - interval '8 days'), ('p', 'op', 'week', 201, '{}', now() - interval '6 days'),
                    ('p', 'op', 'fresh', 201, '{}', now() - interval '2 hours');
                """);
            await work.CommitAsync();
        }

        // The host's own pruner may have passed already; either way, what is left is the same.
        await OutboxPruner.PruneAsync(host.DataSource, new OutboxOptions(), CancellationToken.None);
        var afterDefault = await host.QueryScalarAsync<string>("SELECT string_agg(key, ',' ORDER BY key) FROM idempotency_keys");
        // However short the operator's setting, a key lives 24 hours (API.md).
        await OutboxPruner.PruneAsync(host.DataSource, new OutboxOptions { KeepIdempotencyKeys = TimeSpan.FromMinutes(1) }, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM outbox"), Is.EqualTo(3));
            Assert.That(await host.QueryScalarAsync<long>("SELECT count(*) FROM inbox"), Is.EqualTo(1));
            Assert.That(afterDefault, Is.EqualTo("fresh,week"), "kept 7 days by default");
            Assert.That(await host.QueryScalarAsync<string>("SELECT string_agg(key, ',') FROM idempotency_keys"), Is.EqualTo("fresh"));
        });
    }

    private static async Task PublishBurstsAsync(MessagingHost host, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            await using var work = await host.Database.BeginAsync();
            work.Publish(new Burst { Writer = 0, Sequence = i });
            await work.CommitAsync();
        }
    }

    private static Task<long> DuplicatesAsync(MessagingHost host) =>
        host.QueryScalarAsync<long>("SELECT count(*) - count(DISTINCT message_id) FROM deliveries");

    private static Task<long> WaitForAsync(MessagingHost host, string countSql, long expected, string what) =>
        Eventually.WaitForAsync(() => host.QueryScalarAsync<long>(countSql), n => n >= expected, Patience, what);
}
