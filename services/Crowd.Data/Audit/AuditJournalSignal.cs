namespace Crowd.Data.Audit;

/// <summary>
/// Hands "events were journaled here" to this process's <see cref="AuditShipper"/>. A wake that comes while the shipper
/// is busy is remembered, so the shipper looks again as soon as it is done; events journaled by an instance that died
/// before shipping them wait for another instance's poll.
/// </summary>
public sealed class AuditJournalSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _wake = NewSource();
    private bool _journaled;

    /// <summary>A local commit journaled events.</summary>
    public void Journaled()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            _journaled = true;
            wake = _wake;
        }

        wake.TrySetResult();
    }

    /// <summary>Returns once events were journaled since the last return, or when <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wake;
        lock (_gate)
        {
            if (_journaled)
            {
                _journaled = false;
                return;
            }

            if (_wake.Task.IsCompleted)
            {
                _wake = NewSource();
            }

            wake = _wake.Task;
        }

        try
        {
            await wake.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The poll.
        }

        lock (_gate)
        {
            _journaled = false; // what woke this wait is about to be shipped
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
