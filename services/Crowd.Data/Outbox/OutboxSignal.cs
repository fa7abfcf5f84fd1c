namespace Crowd.Data.Outbox;

/// <summary>
/// Wakes this process's relays when a transaction that wrote outbox rows commits, or when another instance's NOTIFY
/// arrives. Commits never NOTIFY inside their own transaction: PostgreSQL serialises the commits of transactions that
/// have notified (one lock on the notification queue, held through commit), which would bring back the very
/// serialisation the outbox dropped. The other instances are told after the commit, coalesced (<see cref="OutboxNotifier"/>).
/// </summary>
public sealed class OutboxSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _wake = NewSource();
    private TaskCompletionSource _committed = NewSource();

    /// <summary>Completes at the next wake-up. Take it before looking at the table, so that a commit in between is not missed.</summary>
    public Task NextWake
    {
        get
        {
            lock (_gate)
            {
                return _wake.Task;
            }
        }
    }

    /// <summary>Completes at the next local commit that wrote rows; taken before telling the other instances, likewise.</summary>
    internal Task NextCommit
    {
        get
        {
            lock (_gate)
            {
                return _committed.Task;
            }
        }
    }

    /// <summary>Rows are waiting (another instance says so, or an operator retried one): wake this process's relays.</summary>
    public void Wake() => Complete(ref _wake);

    /// <summary>A local commit wrote rows: wake this process's relays and have the other instances told.</summary>
    public void Committed()
    {
        Complete(ref _wake);
        Complete(ref _committed);
    }

    private void Complete(ref TaskCompletionSource source)
    {
        TaskCompletionSource completed;
        lock (_gate)
        {
            completed = source;
            source = NewSource();
        }

        completed.TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
