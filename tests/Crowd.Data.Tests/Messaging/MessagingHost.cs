using Crowd.Data.Messaging;
using Crowd.Testing;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Crowd.Data.Tests.Messaging;

/// <summary>A real service host (data block, MassTransit on RabbitMQ, outbox relay, inbox) on a test database and virtual host.</summary>
public sealed class MessagingHost : IAsyncDisposable
{
    private readonly IHost _host;

    private MessagingHost(IHost host) => _host = host;

    public Database Database => _host.Services.GetRequiredService<Database>();

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts a host; <paramref name="settings"/> override configuration (<c>Outbox:MaxAttempts</c>, say) and
    /// <paramref name="services"/> adds to its services (an <see cref="Outbox.OutboxMerge"/>, say).
    /// </summary>
    public static async Task<MessagingHost> StartAsync(
        string connectionString, string virtualHost, bool relayEnabled = true, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = connectionString,
            ["RabbitMq:Host"] = TestInfrastructure.RabbitHost,
            ["RabbitMq:Port"] = TestInfrastructure.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = virtualHost,
            ["RabbitMq:Username"] = TestInfrastructure.RabbitUser,
            ["RabbitMq:Password"] = TestInfrastructure.RabbitPassword,
            ["Outbox:RelayEnabled"] = relayEnabled ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddCrowdData(typeof(MessagingHost).Assembly);
        builder.AddCrowdMessaging("datatests", typeof(MessagingHost).Assembly);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        // The bus connects in the background; the tests publish at once, so they wait for their queues to be bound.
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await BusReadiness.WaitAsync(host.Services.GetRequiredService<IBusControl>(), ready.Token);
        return new MessagingHost(host);
    }

    public async Task<T> QueryScalarAsync<T>(string sql)
    {
        await using var command = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Waits until the relay has marked every outbox row sent. It marks a row after the broker confirms it, so a consumer
    /// can handle a message a moment before its row says sent: a test that saw the delivery waits for the mark too.
    /// </summary>
    public Task<long> WaitUntilEveryRowIsMarkedSentAsync(TimeSpan patience) =>
        Eventually.WaitForAsync(() => QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), unsent => unsent == 0,
            patience, "every outbox row to be marked sent");

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
