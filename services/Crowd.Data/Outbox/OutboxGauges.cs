using Crowd.Data.Observability;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Crowd.Data.Outbox;

/// <summary>
/// <c>crowd_outbox_pending</c> (rows committed and not yet published) and <c>crowd_outbox_parked_rows</c> (rows given up
/// on, waiting for an operator): read from the service's database when <c>/metrics</c> is scraped, so they are what the
/// table holds now, whichever instance published what.
/// </summary>
public sealed class OutboxGauges(NpgsqlDataSource dataSource) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        CrowdMetrics.Meter.CreateObservableGauge("crowd.outbox.pending", () => Count("sent_at IS NULL AND parked_at IS NULL"),
            description: "Outbox rows committed and not yet published");
        CrowdMetrics.Meter.CreateObservableGauge("crowd.outbox.parked_rows", () => Count("sent_at IS NULL AND parked_at IS NOT NULL"),
            description: "Outbox rows parked, waiting for an operator (./crowd outbox parked)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private long Count(string condition)
    {
        using var command = dataSource.CreateCommand($"SELECT count(*) FROM outbox WHERE {condition}");
        return (long)command.ExecuteScalar()!;
    }
}
