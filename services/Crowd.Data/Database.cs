using MassTransit;
using Npgsql;

namespace Crowd.Data;

/// <summary>The service's one database: opens units of work, for endpoints and for consumers (with the inbox).</summary>
public sealed class Database(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    public async Task<UnitOfWork> BeginAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new UnitOfWork(connection, transaction, cancellationToken);
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
}
