using Crowd.Data.Audit;
using Crowd.Data.Outbox;
using MassTransit;
using Npgsql;

namespace Crowd.Data;

/// <summary>
/// The service's one database: opens units of work, for endpoints and for consumers (with the inbox). A commit that
/// wrote outbox rows wakes the relays through <paramref name="signal"/>, one that journaled audit events the shipper
/// through <paramref name="journalSignal"/> (none: they find the rows by polling).
/// </summary>
public sealed class Database(NpgsqlDataSource dataSource, OutboxSignal? signal = null, AuditJournalSignal? journalSignal = null)
{
    public NpgsqlDataSource DataSource => dataSource;

    public async Task<UnitOfWork> BeginAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new UnitOfWork(connection, transaction, signal, journalSignal, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens a unit of work for a consumed message and records it in the inbox in the same transaction.
    /// Returns null when this consumer has already handled the message: the caller acknowledges and does nothing.
    /// </summary>
    public async Task<UnitOfWork?> BeginConsumeAsync(ConsumeContext context, string consumer)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"A message for {consumer} arrived without a MessageId; the inbox cannot deduplicate it.");

        var work = await BeginAsync(context.CancellationToken);
        // A concurrent redelivery blocks on the uncommitted row here and then sees the conflict: exactly one wins.
        const string recordInInbox = """
            INSERT INTO inbox (message_id, consumer) VALUES (@messageId, @consumer)
            ON CONFLICT DO NOTHING
            """;
        if (await work.ExecuteAsync(recordInInbox, new { messageId, consumer }) == 1)
        {
            return work;
        }

        await work.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Opens one unit of work for several consumed messages and records them all in the inbox in it (in MessageId
    /// order, so two overlapping batches cannot deadlock). Returns the unit of work and the messages this consumer has
    /// not handled before, in their order; the caller handles those and commits.
    /// </summary>
    public async Task<(UnitOfWork Work, IReadOnlyList<T> Fresh)> BeginConsumeAsync<T>(IReadOnlyList<T> contexts, string consumer, CancellationToken cancellationToken)
        where T : ConsumeContext
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var messageIds = contexts.Select(c => c.MessageId
                ?? throw new InvalidOperationException($"A message for {consumer} arrived without a MessageId; the inbox cannot deduplicate it."))
            .Distinct().Order().ToArray();
        var work = await BeginAsync(cancellationToken);
        try
        {
            const string recordInInbox = """
                INSERT INTO inbox (message_id, consumer) SELECT id, @consumer FROM unnest(@messageIds) AS id ORDER BY id
                ON CONFLICT DO NOTHING
                RETURNING message_id
                """;
            var recorded = (await work.QueryAsync<Guid>(recordInInbox, new { messageIds, consumer })).ToHashSet();
            // A message delivered twice within one batch is handled once: Remove answers true for its first copy only.
            return (work, contexts.Where(c => recorded.Remove(c.MessageId!.Value)).ToList());
        }
        catch
        {
            await work.DisposeAsync();
            throw;
        }
    }
}
