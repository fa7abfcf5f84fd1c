using Crowd.Data.Outbox;
using Dapper;
using Npgsql;

namespace Crowd.Data;

/// <summary>
/// One PostgreSQL transaction: the state change, the inbox record of the message being handled, and the messages
/// to publish. Nothing is published unless <see cref="CommitAsync"/> succeeds; disposing without it rolls back.
/// </summary>
public sealed class UnitOfWork : IAsyncDisposable
{
    private readonly List<object> _outgoing = [];
    private readonly List<Guid> _flushed = [];
    private readonly CancellationToken _cancellationToken;

    internal UnitOfWork(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        _cancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Queues a message for the outbox; it is written with this transaction and published after it commits.</summary>
    public void Publish<T>(T message) where T : class => _outgoing.Add(message);

    /// <summary>
    /// Writes the messages queued so far as outbox rows now, still inside this transaction, and lets them go: a unit of
    /// work that publishes a great many messages (a million tasks' release) holds none of them in memory. They are still
    /// published only if the transaction commits, and in the order they were queued, after every message committed before.
    /// </summary>
    public async Task FlushOutboxAsync()
    {
        _flushed.AddRange(await OutboxWriter.WriteEarlyAsync(Connection, Transaction, _outgoing, _cancellationToken));
        _outgoing.Clear();
    }

    public Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        Connection.ExecuteAsync(Command(sql, parameters));

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters = null) =>
        Connection.QueryAsync<T>(Command(sql, parameters));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        Connection.QuerySingleOrDefaultAsync<T>(Command(sql, parameters));

    public Task<T> QuerySingleAsync<T>(string sql, object? parameters = null) =>
        Connection.QuerySingleAsync<T>(Command(sql, parameters));

    public Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null) =>
        Connection.ExecuteScalarAsync<T>(Command(sql, parameters));

    public async Task CommitAsync()
    {
        await OutboxWriter.WriteAsync(Connection, Transaction, _flushed, _outgoing, _cancellationToken);
        await Transaction.CommitAsync(_cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    private CommandDefinition Command(string sql, object? parameters) =>
        new(sql, parameters, Transaction, cancellationToken: _cancellationToken);
}
