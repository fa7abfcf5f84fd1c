using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>
/// Tells the other instances' relays that rows were committed here, and this instance's relays when others say so:
/// one <c>NOTIFY crowd_outbox</c> after local commits (however many committed meanwhile, so a burst costs one),
/// on a connection of its own, never inside a writing transaction (see <see cref="OutboxSignal"/>); and a dedicated
/// connection that LISTENs. This instance's own notifications are recognised by their payload and ignored.
/// </summary>
public sealed class OutboxNotifier(NpgsqlDataSource dataSource, OutboxSignal signal, IOptions<OutboxOptions> options, ILogger<OutboxNotifier> logger)
    : BackgroundService
{
    public const string Channel = "crowd_outbox";

    private readonly string _instance = Guid.NewGuid().ToString("N");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.RelayEnabled ? Task.WhenAll(NotifyAsync(stoppingToken), ListenAsync(stoppingToken)) : NotifyAsync(stoppingToken);

    private async Task NotifyAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.NextCommit.WaitAsync(stoppingToken);
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_notify(@Channel, @instance)", new { Channel, instance = _instance }, cancellationToken: stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException exception)
            {
                // The other instances poll meanwhile.
                logger.LogWarning(exception, "Could not notify the other outbox relays");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
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
                signal.Wake(); // whatever was notified while this connection was down
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException exception)
            {
                logger.LogWarning(exception, "Outbox listener lost its connection; the relays poll until it is back");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
