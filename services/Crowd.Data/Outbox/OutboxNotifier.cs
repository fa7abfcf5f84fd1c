using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>
/// Asks the other instances' relays for help when this instance has a backlog (see <see cref="OutboxSignal"/>), and hands
/// their requests to this instance's relays: one <c>NOTIFY crowd_outbox</c> at most every <see cref="NotifyEvery"/>
/// (however many requests came meanwhile, so a burst costs one), on a connection of its own, never inside a writing
/// transaction; and a dedicated connection that LISTENs. This instance's own notifications are recognised by their
/// payload and ignored.
/// </summary>
public sealed class OutboxNotifier(NpgsqlDataSource dataSource, OutboxSignal signal, IOptions<OutboxOptions> options, ILogger<OutboxNotifier> logger)
    : BackgroundService
{
    public const string Channel = "crowd_outbox";

    private static readonly TimeSpan PauseAfterFailure = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Help is wanted for a backlog, so hearing of it 20 ms later costs nothing, and a NOTIFY per request would cost a
    /// round trip each.
    /// </summary>
    private static readonly TimeSpan NotifyEvery = TimeSpan.FromMilliseconds(20);

    private readonly string _instance = Guid.NewGuid().ToString("N");

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notify = BackgroundLoop.RepeatAsync(
            NotifyAsync, PauseAfterFailure, logger, "Could not notify the other outbox relays; they poll meanwhile", stoppingToken);
        return options.Value.RelayEnabled
            ? Task.WhenAll(notify, BackgroundLoop.RepeatAsync(
                ListenAsync, PauseAfterFailure, logger, "The outbox listener lost its connection; the relays poll until it is back", stoppingToken))
            : notify;
    }

    private async Task NotifyAsync(CancellationToken stoppingToken)
    {
        await signal.WaitForHelpWantedAsync(stoppingToken);
        await using (var connection = await dataSource.OpenConnectionAsync(stoppingToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_notify(@Channel, @instance)", new { Channel, instance = _instance }, cancellationToken: stoppingToken));
        }

        await Task.Delay(NotifyEvery, stoppingToken);
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) =>
        {
            if (e.Payload != _instance)
            {
                signal.Wake();
            }
        };
        await connection.ExecuteAsync($"LISTEN {Channel}");
        signal.Wake(); // whatever was asked while this connection was down
        while (true)
        {
            await connection.WaitAsync(stoppingToken);
        }
    }
}
