namespace Crowd.Data.Outbox;

/// <summary>
/// Hands "rows are waiting" to one relay loop of this process, and asks the other instances' relays for help only when
/// there is a backlog here: a relay's window came back full and no other relay here was free to take the next one, or
/// no relay runs here at all.
/// <para>
/// One relay, not all: every relay woken for one commit's rows looks at the table, and all but one find nothing (each
/// look a transaction). A free relay here takes a commit's rows at once; when every relay here is busy the wake is
/// remembered and the first to finish looks again, a few milliseconds later. Telling the other instances at every such
/// commit cost each of them an empty look per notification, for rows this instance's relays took first (measured with
/// two instances of each service: 1.4 looks a claim + submit pair in assignment against 0.8 with one, docs/benchmarks.md).
/// </para>
/// Commits never NOTIFY inside their own transaction: PostgreSQL serialises the commits of transactions that have
/// notified (one lock on the notification queue, held through commit), which would bring back the very serialisation
/// the outbox dropped. A row whose instance dies before its relay took it waits for another instance's poll.
/// </summary>
public sealed class OutboxSignal
{
    private readonly Lock _gate = new();
    private readonly List<TaskCompletionSource> _freeRelays = [];
    private int _relays;
    private bool _rowsWaiting;
    private bool _helpWanted;
    private TaskCompletionSource _helpAsked = NewSource();

    /// <summary>
    /// A relay with nothing to do waits here until it is woken or <paramref name="timeout"/> passes; then it looks either
    /// way (the poll: a row held back by its backoff, another instance's row whose relay died, a wake-up that never came).
    /// </summary>
    public async Task WaitForRowsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wake = NewSource();
        lock (_gate)
        {
            if (_rowsWaiting)
            {
                _rowsWaiting = false;
                return;
            }

            _freeRelays.Add(wake);
        }

        try
        {
            await wake.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The poll.
        }
        finally
        {
            lock (_gate)
            {
                _freeRelays.Remove(wake);
            }
        }
    }

    /// <summary>
    /// Returns once this instance asks for help: at once if it did since the last return (however many times: the
    /// notifier tells the other instances once for all of them), else at the next request.
    /// </summary>
    public async Task WaitForHelpWantedAsync(CancellationToken cancellationToken)
    {
        Task asked;
        lock (_gate)
        {
            if (_helpWanted)
            {
                _helpWanted = false;
                return;
            }

            asked = _helpAsked.Task;
        }

        await asked.WaitAsync(cancellationToken);
        lock (_gate)
        {
            _helpWanted = false; // what asked before now is told by the notification about to go
        }
    }

    /// <summary>A local commit wrote rows: a free relay here takes them, or the first to finish; others only when none runs here.</summary>
    public void Committed()
    {
        if (!WakeFreeRelay() && NoRelayRuns())
        {
            AskForHelp();
        }
    }

    /// <summary>A relay's window came back full: a free relay here takes the next one, or the other instances' relays help.</summary>
    public void Backlog()
    {
        if (!WakeFreeRelay())
        {
            AskForHelp();
        }
    }

    /// <summary>A relay loop runs here until the returned registration is disposed: commits need not ask for help.</summary>
    public IDisposable RelayRunning()
    {
        lock (_gate)
        {
            _relays++;
        }

        return new Registration(this);
    }

    private bool NoRelayRuns()
    {
        lock (_gate)
        {
            return _relays == 0;
        }
    }

    private void AskForHelp()
    {
        TaskCompletionSource asked;
        lock (_gate)
        {
            _helpWanted = true;
            asked = _helpAsked;
            _helpAsked = NewSource();
        }

        asked.TrySetResult();
    }

    /// <summary>
    /// Another instance says rows are waiting: a free relay here looks, or the first to finish. Never passed on, so two
    /// instances do not wake each other in turn.
    /// </summary>
    public void Wake() => WakeFreeRelay();

    /// <summary>Wakes one free relay and says so; with none free, the first to finish looks again.</summary>
    private bool WakeFreeRelay()
    {
        TaskCompletionSource? relay = null;
        lock (_gate)
        {
            if (_freeRelays.Count > 0)
            {
                relay = _freeRelays[0];
                _freeRelays.RemoveAt(0);
            }
            else
            {
                _rowsWaiting = true;
            }
        }

        relay?.TrySetResult();
        return relay is not null;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Registration(OutboxSignal signal) : IDisposable
    {
        private bool _disposed;

        /// <summary>Counts this relay out once: a second dispose must not count out another relay that still runs.</summary>
        public void Dispose()
        {
            lock (signal._gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    signal._relays--;
                }
            }
        }
    }
}
