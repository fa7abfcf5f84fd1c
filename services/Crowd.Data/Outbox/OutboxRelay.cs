using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Crowd.Data.Messaging;
using Crowd.Data.Observability;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Crowd.Data.Outbox;

/// <summary>
/// Publishes outbox rows with publisher confirms, MessageId = row id, and marks them sent. Any number of relays (loops
/// here, instances elsewhere) share the table: each claims a window of unsent rows with <c>FOR UPDATE SKIP LOCKED</c> in
/// its own transaction, publishes the whole window at once, and marks the confirmed rows sent in one UPDATE before it
/// commits. No watermark: a row whose transaction commits late with a smaller <c>seq</c> is claimed on a later pass.
/// A crash between confirm and commit re-publishes the window; consumers' inboxes drop the duplicates.
/// <para>
/// No consumer of the platform depends on publish order (README, "Who needs order"), so unkeyed rows go out in any order.
/// Rows with an ordering key are published in <c>seq</c> order, one at a time, by the one relay that holds the key's
/// lock and whose window starts with the key's oldest unsent row. A window's unkeyed rows of a bundle type registered to
/// merge (<see cref="OutboxMerge"/>: audit events) go as few messages, each under an id made from its rows' ids.
/// </para>
/// A row that fails (its type cannot be loaded, its body not read, the broker refuses it while others go) is tried
/// again after a backoff and parked after <see cref="OutboxOptions.MaxAttempts"/>; the rows behind it do not wait.
/// A window in which nothing could be published is a broker outage: it is rolled back uncounted and tried again
/// with exponential backoff.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource dataSource, IBusControl bus, OutboxSignal signal, IOptions<OutboxOptions> options, IEnumerable<OutboxMerge> merges,
    IOptions<RabbitMqOptions> rabbit, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private static readonly TimeSpan RelayGatherPerInstance = TimeSpan.FromMilliseconds(10);

    private readonly OutboxOptions _options = options.Value;
    // One instance sees every commit and looks at once; each further instance adds 10 ms (OutboxOptions.GatherDelay).
    private readonly TimeSpan _gatherDelay = options.Value.GatherDelay ?? rabbit.Value.GatherFor(RelayGatherPerInstance) - RelayGatherPerInstance;

    private readonly Dictionary<Type, OutboxMerge> _merges = merges.ToDictionary(m => m.BundleType);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RelayEnabled)
        {
            return;
        }

        try
        {
            await BusReadiness.WaitAsync(bus, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => !stoppingToken.IsCancellationRequested),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            OnRetry = args =>
            {
                logger.LogWarning(args.Outcome.Exception, "Outbox relay failed (attempt {Attempt}); retrying in {Delay}", args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        }).Build();

        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.Relays)).Select(_ => RelayLoopAsync(retry, stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RelayLoopAsync(ResiliencePipeline retry, CancellationToken stoppingToken)
    {
        using var running = signal.RelayRunning();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await retry.ExecuteAsync(RelayWindowAsync, stoppingToken))
            {
                // A full window: more rows wait. A free relay (here, or another instance's) takes the next window meanwhile.
                signal.Backlog();
                continue;
            }

            await signal.WaitForRowsAsync(_options.PollInterval, stoppingToken);
            if (_gatherDelay > TimeSpan.Zero)
            {
                await Task.Delay(_gatherDelay, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Claims, publishes and marks one window. Returns whether to look again at once: the window was full (by rows or
    /// by bytes) and something in it could go; otherwise the relay waits for a wake-up.
    /// </summary>
    private async ValueTask<bool> RelayWindowAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A keyed row behind one of its key's rows that waits out a backoff cannot go yet: it is not claimed, so that it
        // never fills the window ahead of rows that can.
        // The window is the claimed rows' first MaxWindowBytes of bodies (at least one row): a window of big messages (a
        // large release's chunks) is cut short rather than held in memory whole, and the rows past the cut, claimed
        // without their bodies (measuring a body does not read it), stay unsent for the next window. One round trip.
        const string claim = """
            WITH claimed AS (
                SELECT seq, id, message_type, ordering_key, attempts, pg_column_size(body) AS size
                FROM outbox o
                WHERE sent_at IS NULL AND parked_at IS NULL AND (retry_at IS NULL OR retry_at <= now())
                  AND (ordering_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM outbox b
                      WHERE b.ordering_key = o.ordering_key AND b.seq < o.seq AND b.sent_at IS NULL AND b.parked_at IS NULL AND b.retry_at > now()))
                ORDER BY seq
                LIMIT @limit
                FOR UPDATE SKIP LOCKED
            ), measured AS (
                SELECT claimed.*, sum(size) OVER (ORDER BY seq) AS bytes_so_far, row_number() OVER (ORDER BY seq) AS position
                FROM claimed
            )
            SELECT m.seq, m.id, m.message_type, m.ordering_key, m.attempts,
                   CASE WHEN m.position = 1 OR m.bytes_so_far <= @maxWindowBytes THEN o.body::text END AS body, o.trace_parent
            FROM measured m JOIN outbox o USING (seq)
            ORDER BY m.seq
            """;
        var claimed = (await connection.QueryAsync<ClaimedRow>(new CommandDefinition(
            claim, new { limit = _options.BatchSize, maxWindowBytes = _options.MaxWindowBytes }, transaction, cancellationToken: cancellationToken))).ToList();
        if (claimed.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return false;
        }

        var rows = claimed.TakeWhile(r => r.Body is not null)
            .Select(r => new OutboxRow(r.Seq, r.Id, r.MessageType, r.Body!, r.OrderingKey, r.Attempts, r.TraceParent)).ToList();

        var chains = await PublishableKeyedChainsAsync(connection, transaction, rows, cancellationToken);
        var (unkeyed, unreadable) = Read(rows.Where(r => r.OrderingKey is null));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        var outcomes = (await Task.WhenAll(chains.Select(chain => PublishChainAsync(chain, timeout.Token))
                .Concat(Merged(unkeyed).Select(publication => PublishAsync(publication, timeout.Token)))))
            .SelectMany(o => o).Concat(unreadable).ToList();
        cancellationToken.ThrowIfCancellationRequested();

        var sent = outcomes.Where(o => o.Error is null).Select(o => o.Row.Seq).ToArray();
        var failed = outcomes.Where(o => o.Error is not null).ToList();
        if (sent.Length == 0 && failed.Count > 0 && failed.All(f => !f.RowFault))
        {
            // Nothing went out and nothing was wrong with the rows themselves: the broker is away. Nobody's attempts count.
            throw new InvalidOperationException($"The broker took none of {failed.Count} outbox rows; trying again", failed[0].Error);
        }

        const string markSent = "UPDATE outbox SET sent_at = now() WHERE seq = ANY(@sent)";
        if (sent.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(markSent, new { sent }, transaction, cancellationToken: cancellationToken));
        }

        var parked = failed.Count > 0 ? await RecordFailuresAsync(connection, transaction, failed, cancellationToken) : [];
        await transaction.CommitAsync(cancellationToken);
        CrowdMetrics.OutboxPublished.Add(sent.Length);
        CrowdMetrics.OutboxParked.Add(parked.Count);

        foreach (var failure in failed)
        {
            logger.LogWarning(failure.Error, "Outbox row {Id} ({MessageType}) failed to publish (attempt {Attempt})",
                failure.Row.Id, failure.Row.MessageType, failure.Row.Attempts + 1);
        }

        foreach (var row in parked)
        {
            logger.LogError(
                "Outbox row {Id} ({MessageType}) parked after {Attempts} failed attempts; the rows behind it go on. Last error: {LastError}. " +
                "Fix the cause, then retry it: ./crowd outbox retry <service> {Id}",
                row.Id, row.MessageType, row.Attempts, row.LastError, row.Id);
        }

        return outcomes.Count > 0 && (claimed.Count == _options.BatchSize || rows.Count < claimed.Count);
    }

    /// <summary>
    /// The window's keyed rows as chains published side by side with the unkeyed ones: each key's rows in <c>seq</c> order
    /// (one at a time, stopping at the first failure) when this relay may publish that key now: it holds the key's
    /// relay lock (until commit) and its rows are the key's oldest unsent ones, with none between them held by another
    /// relay or by a backoff. Otherwise the key's rows are left for a later window.
    /// </summary>
    private static async Task<List<OutboxRow[]>> PublishableKeyedChainsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<OutboxRow> rows, CancellationToken cancellationToken)
    {
        var chains = new List<OutboxRow[]>();
        var byKey = rows.Where(r => r.OrderingKey is not null).GroupBy(r => r.OrderingKey!, StringComparer.Ordinal).ToList();
        if (byKey.Count == 0)
        {
            return chains;
        }

        var keys = byKey.Select(g => g.Key).Order(StringComparer.Ordinal).ToArray();
        const string lockKeys = """
            SELECT k FROM unnest(@keys) AS k WHERE pg_try_advisory_xact_lock(hashtextextended('outbox-relay:' || k, 0))
            """;
        var locked = (await connection.QueryAsync<string>(new CommandDefinition(lockKeys, new { keys }, transaction, cancellationToken: cancellationToken)))
            .ToArray();
        if (locked.Length == 0)
        {
            return chains;
        }

        // A statement of its own, after the locks: it sees every window of these keys committed before them.
        const string oldestUnsent = """
            SELECT ordering_key, array_agg(seq ORDER BY seq) AS seqs
            FROM outbox
            WHERE ordering_key = ANY(@locked) AND sent_at IS NULL AND parked_at IS NULL AND seq <= @last
            GROUP BY ordering_key
            """;
        var unsent = (await connection.QueryAsync<(string Key, long[] Seqs)>(new CommandDefinition(
            oldestUnsent, new { locked, last = rows[^1].Seq }, transaction, cancellationToken: cancellationToken)))
            .ToDictionary(u => u.Key, u => u.Seqs, StringComparer.Ordinal);
        foreach (var group in byKey.Where(g => locked.Contains(g.Key, StringComparer.Ordinal)))
        {
            var expected = unsent.GetValueOrDefault(group.Key) ?? [];
            var chain = group.OrderBy(r => r.Seq).Select((row, i) => (row, i)).TakeWhile(x => x.i < expected.Length && expected[x.i] == x.row.Seq)
                .Select(x => x.row).ToArray();
            if (chain.Length > 0)
            {
                chains.Add(chain);
            }
        }

        return chains;
    }

    /// <summary>Publishes a chain's rows one after the other, each confirmed before the next; stops at the first failure.</summary>
    private async Task<List<Outcome>> PublishChainAsync(OutboxRow[] chain, CancellationToken cancellationToken)
    {
        var outcomes = new List<Outcome>(chain.Length);
        foreach (var row in chain)
        {
            var (read, unreadable) = Read([row]);
            var outcome = read.Count == 1 ? (await PublishAsync(read[0], cancellationToken))[0] : unreadable[0];
            outcomes.Add(outcome);
            if (outcome.Error is not null)
            {
                break;
            }
        }

        return outcomes;
    }

    /// <summary>The rows as messages, one each; a row whose type cannot be loaded or whose body cannot be read fails alone.</summary>
    private static (List<Publication> Read, List<Outcome> Unreadable) Read(IEnumerable<OutboxRow> rows)
    {
        var read = new List<Publication>();
        var unreadable = new List<Outcome>();
        foreach (var row in rows)
        {
            try
            {
                var type = MessageTypes.Resolve(row.MessageType);
                var message = JsonSerializer.Deserialize(row.Body, type, MessageTypes.Json)
                    ?? throw new JsonException($"Outbox row {row.Id} has a null body.");
                read.Add(new Publication([row], row.Id, type, message));
            }
#pragma warning disable CA1031 // Whatever the row's fault, it is counted against the row, never against the rows behind it.
            catch (Exception exception)
            {
                unreadable.Add(new Outcome(row, exception, RowFault: true));
            }
#pragma warning restore CA1031
        }

        return (read, unreadable);
    }

    /// <summary>
    /// The unkeyed messages with those of each type registered to merge packed, in <c>seq</c> order, into as few as hold
    /// at most <see cref="UnitOfWork.MaxBundleItems"/> items each (a message already that full goes alone).
    /// </summary>
    private IEnumerable<Publication> Merged(List<Publication> unkeyed)
    {
        foreach (var ofType in unkeyed.GroupBy(p => p.Type))
        {
            if (!_merges.TryGetValue(ofType.Key, out var merge))
            {
                foreach (var publication in ofType)
                {
                    yield return publication;
                }

                continue;
            }

            var pack = new List<Publication>();
            var items = 0;
            foreach (var publication in ofType)
            {
                var itemsOfIt = merge.ItemsOf(publication.Message);
                if (pack.Count > 0 && items + itemsOfIt > UnitOfWork.MaxBundleItems)
                {
                    yield return Publication.Merge(merge, pack);
                    pack = [];
                    items = 0;
                }

                pack.Add(publication);
                items += itemsOfIt;
            }

            if (pack.Count > 0)
            {
                yield return Publication.Merge(merge, pack);
            }
        }
    }

    /// <summary>Publishes one message; its rows share the outcome.</summary>
    private async Task<List<Outcome>> PublishAsync(Publication publication, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            // Inside the trace its (first) row was written in: MassTransit's send span is this one's child and its headers carry it on.
            using var span = CrowdTracing.Source.StartActivity(
                $"outbox publish {publication.Type.Name}", ActivityKind.Producer, publication.Rows[0].TraceParent);
            await bus.Publish(publication.Message, publication.Type, context => context.MessageId = publication.MessageId, cancellationToken);
        }
#pragma warning disable CA1031 // A refusal or a lost confirm is counted against the rows; the window's other messages go on.
        catch (Exception exception)
        {
            error = exception;
        }
#pragma warning restore CA1031

        return [.. publication.Rows.Select(row => new Outcome(row, error, RowFault: false))];
    }

    /// <summary>Counts the attempts, holds each row back for its backoff, parks those out of attempts; returns the parked ones.</summary>
    private async Task<List<ParkedRow>> RecordFailuresAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<Outcome> failed, CancellationToken cancellationToken)
    {
        const string recordFailures = """
            UPDATE outbox o
            SET attempts = o.attempts + 1,
                last_error = f.error,
                retry_at = now() + f.backoff,
                parked_at = CASE WHEN o.attempts + 1 >= @maxAttempts THEN now() END
            FROM unnest(@seqs, @errors, @backoffs) AS f(seq, error, backoff)
            WHERE o.seq = f.seq
            RETURNING o.id, o.message_type, o.attempts, o.last_error, o.parked_at IS NOT NULL AS parked
            """;
        var updated = await connection.QueryAsync<(Guid Id, string MessageType, int Attempts, string LastError, bool Parked)>(new CommandDefinition(
            recordFailures,
            new
            {
                maxAttempts = _options.MaxAttempts,
                seqs = failed.Select(f => f.Row.Seq).ToArray(),
                errors = failed.Select(f => Describe(f.Error!)).ToArray(),
                backoffs = failed.Select(f => Backoff(f.Row.Attempts)).ToArray(),
            },
            transaction,
            cancellationToken: cancellationToken));
        return updated.Where(u => u.Parked).Select(u => new ParkedRow(u.Id, u.MessageType, u.Attempts, u.LastError)).ToList();
    }

    private TimeSpan Backoff(int attemptsBefore)
    {
        var backoff = _options.RetryBackoff * Math.Pow(2, Math.Min(attemptsBefore, 30));
        return backoff < _options.MaxRetryBackoff ? backoff : _options.MaxRetryBackoff;
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? $"{exception.GetType().Name}: {exception.Message} ({inner.GetType().Name}: {inner.Message})"
            : $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>A claimed row; its body is null past the window's bytes.</summary>
    private sealed record ClaimedRow(long Seq, Guid Id, string MessageType, string? OrderingKey, int Attempts, string? Body, string? TraceParent);

    private sealed record OutboxRow(long Seq, Guid Id, string MessageType, string Body, string? OrderingKey, int Attempts, string? TraceParent);

    private sealed record Outcome(OutboxRow Row, Exception? Error, bool RowFault);

    /// <summary>One message and the rows it carries: one row (its id the message's), or several merged.</summary>
    private sealed record Publication(IReadOnlyList<OutboxRow> Rows, Guid MessageId, Type Type, object Message)
    {
        /// <summary>
        /// The pack as one message (a pack of one is left as it is), under an id made from its rows' ids: the same rows
        /// merged again are the same message to the consumers' inboxes, and other rows make another.
        /// </summary>
        public static Publication Merge(OutboxMerge merge, List<Publication> pack)
        {
            if (pack.Count == 1)
            {
                return pack[0];
            }

            var rows = pack.SelectMany(p => p.Rows).ToList();
            var ids = new byte[16 * rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].Id.TryWriteBytes(ids.AsSpan(16 * i), bigEndian: true, out _);
            }

            // A name-based UUID (version 8, RFC 9562): the first 16 bytes of the ids' SHA-256, version and variant set.
            var hash = SHA256.HashData(ids).AsSpan(0, 16);
            hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            return new Publication(rows, new Guid(hash, bigEndian: true), pack[0].Type, merge.Merge([.. pack.Select(p => p.Message)]));
        }
    }

    private sealed record ParkedRow(Guid Id, string MessageType, int Attempts, string LastError);
}
