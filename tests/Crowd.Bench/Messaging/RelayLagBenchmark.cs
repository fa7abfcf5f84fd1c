using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.Bench.Messaging;

/// <summary>A message that carries the moment its transaction committed, so the consumer can tell how long delivery took.</summary>
public sealed record LagProbe
{
    public required long CommittedAt { get; init; }
    public required bool ViaOutbox { get; init; }
}

public sealed class LagProbeConsumer : IConsumer<LagProbe>
{
    public static readonly ConcurrentQueue<(bool ViaOutbox, double Milliseconds)> Observed = new();

    public Task Consume(ConsumeContext<LagProbe> context)
    {
        Observed.Enqueue((context.Message.ViaOutbox, Stopwatch.GetElapsedTime(context.Message.CommittedAt).TotalMilliseconds));
        return Task.CompletedTask;
    }
}

/// <summary>
/// Outbox delivery lag on the real PostgreSQL and RabbitMQ: from a committed transaction to the consumer, through the
/// outbox and its relay, idle (one message at a time) and under load (concurrent producers); with, as the baseline in
/// the same process, a direct publish that skips the outbox.
/// </summary>
public static class RelayLagBenchmark
{
    /// <summary>Needs the PostgreSQL and RabbitMQ of <c>./crowd up</c> (or CROWD_PG, CROWD_RABBIT_*).</summary>
    public static async Task<int> RunAsync()
    {
        var database = TestInfrastructure.UniqueName("bench");
        var virtualHost = TestInfrastructure.UniqueName("bench");
        var connectionString = await TestInfrastructure.CreateDatabaseAsync(database);
        await TestInfrastructure.CreateVirtualHostAsync(virtualHost);
        try
        {
            using var host = await StartHostAsync(connectionString, virtualHost);
            var db = host.Services.GetRequiredService<Database>();
            var bus = host.Services.GetRequiredService<IBus>();

            await MeasureAsync("warm-up", 50, 1, TimeSpan.FromMilliseconds(10), viaOutbox: true, db, bus, print: false);
            var direct = await MeasureAsync("idle, direct publish (baseline)", 200, 1, TimeSpan.FromMilliseconds(50), viaOutbox: false, db, bus);
            var idle = await MeasureAsync("idle, through the outbox", 200, 1, TimeSpan.FromMilliseconds(50), viaOutbox: true, db, bus);
            var loaded = await MeasureAsync("load, 4 producers x 200/s, through the outbox", 8_000, 4, TimeSpan.FromMilliseconds(5), viaOutbox: true, db, bus);
            await MeasureAsync("saturation, 8 producers flat out, outbox", 10_000, 8, TimeSpan.Zero, viaOutbox: true, db, bus);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio idle outbox / direct publish, p50: {idle / direct:F2}x; load p50 / idle p50: {loaded / idle:F2}x"));
            var directRate = await ThroughputAsync("flat out, direct publish (baseline)", viaOutbox: false, db, bus);
            var relayRate = await ThroughputAsync("flat out, through the outbox and relay", viaOutbox: true, db, bus);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput relay / direct publish: {relayRate / directRate:F2}x"));
            await host.StopAsync();
            return 0;
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(database);
            await TestInfrastructure.DeleteVirtualHostAsync(virtualHost);
        }
    }

    /// <summary>Sends <paramref name="count"/> probes from <paramref name="producers"/> concurrent producers; prints and returns the median lag.</summary>
    private static async Task<double> MeasureAsync(
        string name, int count, int producers, TimeSpan pause, bool viaOutbox, Database db, IBus bus, bool print = true)
    {
        LagProbeConsumer.Observed.Clear();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(async _ =>
        {
            for (var i = 0; i < count / producers; i++)
            {
                if (viaOutbox)
                {
                    await using var work = await db.BeginAsync();
                    work.Publish(new LagProbe { CommittedAt = Stopwatch.GetTimestamp(), ViaOutbox = true });
                    await work.CommitAsync();
                }
                else
                {
                    await bus.Publish(new LagProbe { CommittedAt = Stopwatch.GetTimestamp(), ViaOutbox = false });
                }

                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause);
                }
            }
        }));
        var produced = clock.Elapsed;
        var expected = count / producers * producers;
        while (LagProbeConsumer.Observed.Count < expected)
        {
            await Task.Delay(10);
        }

        var lags = LagProbeConsumer.Observed.Select(o => o.Milliseconds).Order().ToArray();
        if (print)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-42} n={lags.Length,6}  p50 {Percentile(lags, 0.50),7:F1} ms  p95 {Percentile(lags, 0.95),7:F1} ms  " +
                $"p99 {Percentile(lags, 0.99),7:F1} ms  max {lags[^1],7:F1} ms  throughput {lags.Length / clock.Elapsed.TotalSeconds,7:F0} msg/s " +
                $"(commits {expected / produced.TotalSeconds:F0}/s)"));
        }

        return Percentile(lags, 0.50);
    }

    /// <summary>
    /// What the relay can carry: 10,000 messages, from the first commit (or publish) to the last one confirmed by the
    /// broker (through the outbox: marked sent), and to the last delivery. Through the outbox 4 writers commit 100
    /// messages per transaction, so the relay, not the writers, is what is measured; the baseline publishes as the relay
    /// does, windows of 500 in flight with confirms, from 4 publishers. Prints and returns messages published per second.
    /// </summary>
    private static async Task<double> ThroughputAsync(string name, bool viaOutbox, Database db, IBus bus)
    {
        const int count = 10_000, producers = 4, perTransaction = 100, window = 500;
        LagProbeConsumer.Observed.Clear();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(async _ =>
        {
            if (viaOutbox)
            {
                for (var t = 0; t < count / producers / perTransaction; t++)
                {
                    await using var work = await db.BeginAsync();
                    for (var i = 0; i < perTransaction; i++)
                    {
                        work.Publish(new LagProbe { CommittedAt = Stopwatch.GetTimestamp(), ViaOutbox = true });
                    }

                    await work.CommitAsync();
                }
            }
            else
            {
                for (var w = 0; w < count / producers / window; w++)
                {
                    await Task.WhenAll(Enumerable.Range(0, window).Select(_ =>
                        bus.Publish(new LagProbe { CommittedAt = Stopwatch.GetTimestamp(), ViaOutbox = false })));
                }
            }
        }));
        while (viaOutbox && await UnsentAsync(db) > 0)
        {
            await Task.Delay(10);
        }

        var published = clock.Elapsed;
        while (LagProbeConsumer.Observed.Count < count)
        {
            await Task.Delay(10);
        }

        var perSecond = count / published.TotalSeconds;
        var lags = LagProbeConsumer.Observed.Select(o => o.Milliseconds).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-42} n={count,6}  published {perSecond,7:F0} msg/s  delivered {count / clock.Elapsed.TotalSeconds,7:F0} msg/s  " +
            $"lag p50 {Percentile(lags, 0.50),7:F1} ms  p95 {Percentile(lags, 0.95),7:F1} ms"));
        return perSecond;
    }

    private static async Task<long> UnsentAsync(Database db)
    {
        await using var work = await db.BeginAsync();
        return await work.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static async Task<IHost> StartHostAsync(string connectionString, string virtualHost)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = connectionString,
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:Port"] = TestInfrastructure.RabbitPort.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = virtualHost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddCrowdData(typeof(RelayLagBenchmark).Assembly);
        builder.AddCrowdMessaging("bench", typeof(RelayLagBenchmark).Assembly);
        var host = builder.Build();
        await host.StartAsync();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await BusReadiness.WaitAsync(host.Services.GetRequiredService<IBusControl>(), ready.Token);
        return host;
    }
}
