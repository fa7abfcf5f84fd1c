using System.Text;
using Crowd.Contracts.Audit;
using Crowd.Data.Audit;
using Crowd.Data.Observability;
using Crowd.Data.Outbox;
using Dapper;
using Npgsql;

namespace Crowd.Data;

/// <summary>
/// One PostgreSQL transaction: the state change, the inbox record of the message being handled, the messages to publish
/// and the audit events of its acts. Nothing is published or journaled unless <see cref="CommitAsync"/> succeeds;
/// disposing without it rolls back.
/// </summary>
public sealed class UnitOfWork : IAsyncDisposable
{
    /// <summary>
    /// The most items one bundle message carries (<see cref="PublishInBundle{TItem, TBundle}"/>): a consumer's batch of
    /// decisions fits in one, and a unit of work that judges a whole cancelled batch still sends messages of bounded size.
    /// </summary>
    public const int MaxBundleItems = 100;

    private readonly List<OutgoingMessage> _outgoing = [];
    private readonly Dictionary<Type, PendingBundle> _bundles = [];
    private readonly Dictionary<string, long> _writtenByType = new(StringComparer.Ordinal);
    private readonly List<Func<Task>> _beforeCommit = [];
    private readonly Dictionary<Type, object> _storedAtCommit = [];
    private readonly List<Action> _afterCommit = [];
    private readonly List<AuditRecorded> _journal = [];
    private readonly OutboxSignal? _signal;
    private readonly AuditJournalSignal? _journalSignal;
    private readonly CancellationToken _cancellationToken;
    private bool _wroteOutbox;
    private bool _wroteJournal;

    internal UnitOfWork(
        NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxSignal? signal, AuditJournalSignal? journalSignal,
        CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        _signal = signal;
        _journalSignal = journalSignal;
        _cancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Queues a message for the outbox; it is written with this transaction and published after it commits.</summary>
    public void Publish<T>(T message) where T : class => _outgoing.Add(new OutgoingMessage(message, null));

    /// <summary>
    /// Queues a message that must reach its consumers in commit order with the other messages of
    /// <paramref name="orderingKey"/> (an aggregate: a batch, a task). Only for a consumer that depends on that order:
    /// the key's writers wait for each other's commits, and the relay publishes the key's rows one at a time.
    /// </summary>
    public void Publish<T>(T message, string orderingKey) where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(orderingKey);
        _outgoing.Add(new OutgoingMessage(message, orderingKey));
    }

    /// <summary>
    /// Queues <paramref name="item"/> for the one message of type <typeparamref name="TBundle"/> this unit of work sends
    /// (one per <see cref="MaxBundleItems"/> items), made by <paramref name="bundle"/> from every item queued for it, in
    /// order, when the outbox rows are written. For what a transaction decides many of at once: the relay, the broker and
    /// each consumer's inbox then pay once per transaction, not once per item. The metric counts the items, by their type.
    /// </summary>
    public void PublishInBundle<TItem, TBundle>(TItem item, Func<IReadOnlyList<TItem>, TBundle> bundle)
        where TItem : class
        where TBundle : class
    {
        if (!_bundles.TryGetValue(typeof(TBundle), out var pending))
        {
            _bundles[typeof(TBundle)] = pending = new PendingBundle<TItem, TBundle>(bundle);
        }

        ((PendingBundle<TItem, TBundle>)pending).Items.Add(item);
        CountWritten(typeof(TItem));
    }

    /// <summary>
    /// Writes the messages queued so far as outbox rows now, still inside this transaction, and lets them go: a unit of
    /// work that publishes a great many messages (a million tasks' release) holds none of them in memory. They are still
    /// published only if the transaction commits. No renumbering is needed: relays claim whatever is committed and unsent,
    /// whatever its <c>seq</c> (rows with an ordering key take the key's lock here, so their order is still commit order).
    /// </summary>
    public Task FlushOutboxAsync() => WriteAtCommitAsync(andCommit: false);

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
        foreach (var write in _beforeCommit)
        {
            await write();
        }

        // The rows and the COMMIT in one round trip; a transaction with no rows left to write commits alone.
        if (!await WriteAtCommitAsync(andCommit: true))
        {
            await Transaction.CommitAsync(_cancellationToken);
        }

        if (_wroteOutbox)
        {
            _signal?.Committed();
        }

        if (_wroteJournal)
        {
            _journalSignal?.Journaled();
        }

        // Counted once committed: a handler rolled back, or retried after a failure, does not count its messages again.
        foreach (var (type, count) in _writtenByType)
        {
            CrowdMetrics.MessagesCommitted.Add(count, new KeyValuePair<string, object?>("type", type));
        }

        foreach (var action in _afterCommit)
        {
            action();
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> in this transaction just before it commits (and before its messages are written):
    /// rows a transaction changes many times in memory are stored once, in one statement, whatever the code path.
    /// </summary>
    public void BeforeCommit(Func<Task> write) => _beforeCommit.Add(write);

    /// <summary>
    /// This unit of work's one <typeparamref name="TRows"/>, made by <paramref name="create"/> when first asked for and
    /// handed to <paramref name="store"/> just before the transaction commits (<see cref="BeforeCommit"/>): rows a
    /// transaction decides one at a time and stores together, in one round trip. Nothing in the transaction may read them
    /// back from the database before then.
    /// </summary>
    public TRows StoredAtCommit<TRows>(Func<TRows> create, Func<TRows, Task> store) where TRows : class
    {
        if (_storedAtCommit.TryGetValue(typeof(TRows), out var rows))
        {
            return (TRows)rows;
        }

        var created = create();
        _storedAtCommit[typeof(TRows)] = created;
        BeforeCommit(() => store(created));
        return created;
    }

    /// <summary>Runs <paramref name="action"/> once this unit of work has committed (a metric of what it did); never if it rolls back.</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>
    /// Sends <paramref name="sql"/> and this transaction's COMMIT in one round trip, for a unit of work whose statements
    /// decide and write everything it does, its audit events included (journaled by the statements themselves:
    /// <see cref="AuditJournal.Columns"/>), so nothing may be queued in it. The answer reads the statements' results; the
    /// COMMIT's outcome comes when it is disposed (which throws if the commit failed), and the unit of work is then done.
    /// The audit shipper is woken at once: it waits a gather delay before it looks, and an event it misses waits for the next.
    /// </summary>
    public async Task<SqlMapper.GridReader> QueryMultipleAndCommitAsync(string sql, object parameters)
    {
        if (_outgoing.Count > 0 || _bundles.Count > 0 || _journal.Count > 0 || _beforeCommit.Count > 0 || _afterCommit.Count > 0)
        {
            throw new InvalidOperationException("A unit of work that commits with its statement has nothing queued to write or run at its commit.");
        }

        var results = await Connection.QueryMultipleAsync(Command($"{sql.TrimEnd().TrimEnd(';')};\nCOMMIT;", parameters));
        _journalSignal?.Journaled();
        return results;
    }

    /// <summary>
    /// Journals an audit event (<see cref="AuditTrail"/>): stored with the transaction's COMMIT, shipped to the chain after it
    /// commits (<see cref="AuditShipper"/>).
    /// </summary>
    internal void Journal(AuditRecorded recorded) => _journal.Add(recorded);

    /// <summary>
    /// Writes the journaled audit events and the queued messages and bundles as outbox rows, and with
    /// <paramref name="andCommit"/> commits in the same round trip; whether it wrote any (and so whether it committed).
    /// Npgsql has no API that appends a COMMIT (npgsql#4351): it sees the transaction end from the server's
    /// answer, and the transaction object then reports itself completed, so it must not be committed again.
    /// </summary>
    private async Task<bool> WriteAtCommitAsync(bool andCommit)
    {
        foreach (var outgoing in _outgoing)
        {
            CountWritten(outgoing.Message.GetType());
        }

        foreach (var bundle in _bundles.Values)
        {
            _outgoing.AddRange(bundle.Messages()); // counted by their items, as they were queued
        }

        _bundles.Clear();
        var journal = AuditJournal.Insert(_journal);
        var outbox = OutboxWriter.Insert(_outgoing);
        _journal.Clear();
        _outgoing.Clear();
        if (journal is null && outbox is null)
        {
            return false;
        }

        var parameters = new DynamicParameters();
        var sql = new StringBuilder();
        foreach (var statement in new[] { journal, outbox }.OfType<CommitStatement>())
        {
            sql.Append(statement.Sql);
            parameters.AddDynamicParams(statement.Parameters);
        }

        if (andCommit)
        {
            sql.Append("COMMIT;");
        }

        await Connection.ExecuteAsync(new CommandDefinition(sql.ToString(), parameters, Transaction, cancellationToken: _cancellationToken));
        _wroteJournal |= journal is not null;
        _wroteOutbox |= outbox is not null;
        return true;
    }

    /// <summary>One more message of <paramref name="type"/> for the metric, counted once this unit of work commits.</summary>
    private void CountWritten(Type type) => _writtenByType[type.Name] = _writtenByType.GetValueOrDefault(type.Name) + 1;

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    private CommandDefinition Command(string sql, object? parameters) =>
        new(sql, parameters, Transaction, cancellationToken: _cancellationToken);

    private abstract class PendingBundle
    {
        public abstract IEnumerable<OutgoingMessage> Messages();
    }

    private sealed class PendingBundle<TItem, TBundle>(Func<IReadOnlyList<TItem>, TBundle> bundle) : PendingBundle
        where TBundle : class
    {
        public List<TItem> Items { get; } = [];

        public override IEnumerable<OutgoingMessage> Messages() =>
            Items.Chunk(MaxBundleItems).Select(chunk => new OutgoingMessage(bundle(chunk), OrderingKey: null));
    }
}
