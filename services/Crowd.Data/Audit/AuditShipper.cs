using Crowd.Contracts.Audit;
using Crowd.Data.Messaging;
using Crowd.Data.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crowd.Data.Audit;

/// <summary>
/// Moves journaled audit events (<see cref="AuditJournal"/>) to the outbox as <see cref="AuditEventsRecorded"/> messages
/// of up to <see cref="UnitOfWork.MaxBundleItems"/> events: woken by a local commit that journaled some, it waits
/// <see cref="AuditOptions.GatherDelay"/> for more to come, then ships until the journal is empty; it also looks every
/// <see cref="AuditOptions.PollInterval"/> for events another instance journaled and did not ship. Each pass takes events
/// out of the journal and writes them to the outbox in one transaction: a shipper that dies leaves them journaled. Any
/// number of instances share the journal (SKIP LOCKED).
/// </summary>
public sealed class AuditShipper(
    Database database, AuditJournalSignal signal, IOptions<AuditOptions> options, IOptions<RabbitMqOptions> rabbit, ILogger<AuditShipper> logger)
    : BackgroundService
{
    /// <summary>Events one pass takes: ten messages' worth, in one transaction.</summary>
    private const int PassSize = 10 * UnitOfWork.MaxBundleItems;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                await signal.WaitAsync(options.Value.PollInterval, token);
                await Task.Delay(rabbit.Value.GatherFor(options.Value.GatherDelay), token);
                while (await ShipAsync(database, PassSize, token) == PassSize)
                {
                }
            },
            options.Value.PollInterval, logger, "Shipping journaled audit events failed; trying again later", stoppingToken);

    /// <summary>One pass: up to <paramref name="most"/> journaled events to the outbox; how many.</summary>
    public static async Task<int> ShipAsync(Database database, int most, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var work = await database.BeginAsync(cancellationToken);
        var events = await AuditJournal.TakeAsync(work, most);
        foreach (var chunk in events.Chunk(UnitOfWork.MaxBundleItems))
        {
            work.Publish(new AuditEventsRecorded { Events = chunk });
        }

        await work.CommitAsync();
        return events.Count;
    }
}
