using Crowd.Data.Outbox;

namespace Crowd.Data.Tests.Messaging;

/// <summary>
/// How commits reach the relays: one free relay per wake, a wake kept for a busy relay, and the other instances asked
/// only for a backlog or when no relay runs here. Pure logic, no database.
/// </summary>
[TestFixture]
public sealed class OutboxSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    /// <summary>Long enough for a continuation that was released to have run; nothing here should be released.</summary>
    private static Task Settle() => Task.Delay(150);

    [Test]
    public async Task Committed_TwoFreeRelays_WakesOneOfThem()
    {
        var signal = new OutboxSignal();
        using var running = signal.RelayRunning();
        var first = signal.WaitForRowsAsync(Long, CancellationToken.None);
        var second = signal.WaitForRowsAsync(Long, CancellationToken.None);

        signal.Committed();
        await Task.WhenAny(first, second).WaitAsync(Long);
        await Settle();

        Assert.That(new[] { first, second }.Count(t => t.IsCompleted), Is.EqualTo(1), "one look for one commit's rows");
        signal.Committed();
        await Task.WhenAll(first, second).WaitAsync(Long);
    }

    [Test]
    public async Task Committed_EveryRelayBusy_TheFirstToFinishLooksAgainAtOnceAndOnlyOnce()
    {
        var signal = new OutboxSignal();
        using var running = signal.RelayRunning();

        signal.Committed();
        signal.Committed();

        await signal.WaitForRowsAsync(Long, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var next = signal.WaitForRowsAsync(Long, CancellationToken.None);
        await Settle();
        Assert.That(next.IsCompleted, Is.False, "the look after the commits took what both wrote");
    }

    [Test]
    public async Task WaitForRows_NoWake_ReturnsAfterThePollInterval()
    {
        var signal = new OutboxSignal();

        var waited = System.Diagnostics.Stopwatch.StartNew();
        await signal.WaitForRowsAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None).WaitAsync(Long);

        Assert.That(waited.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190)));
        signal.Committed();
        await signal.WaitForRowsAsync(Long, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); // a relay gone by its poll is not woken in its place
    }

    [Test]
    public async Task Committed_ARelayRunsHere_DoesNotAskTheOtherInstances()
    {
        var signal = new OutboxSignal();
        using var running = signal.RelayRunning();
        var help = signal.WaitForHelpWantedAsync(CancellationToken.None);

        signal.Committed(); // busy relay: it looks again when it finishes
        var free = signal.WaitForRowsAsync(Long, CancellationToken.None);
        await free.WaitAsync(TimeSpan.FromSeconds(5));
        await Settle();

        Assert.That(help.IsCompleted, Is.False);
    }

    [Test]
    public async Task Committed_NoRelayRunsHere_AsksTheOtherInstances()
    {
        var signal = new OutboxSignal();
        signal.RelayRunning().Dispose();

        signal.Committed();

        await signal.WaitForHelpWantedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task Backlog_NoOtherFreeRelay_AsksTheOtherInstancesOnceForManyRequests()
    {
        var signal = new OutboxSignal();
        using var running = signal.RelayRunning();

        signal.Backlog();
        signal.Backlog();
        signal.Backlog();

        await signal.WaitForHelpWantedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var again = signal.WaitForHelpWantedAsync(CancellationToken.None);
        await Settle();
        Assert.That(again.IsCompleted, Is.False, "one notification tells of every request before it");
    }

    [Test]
    public async Task Backlog_AnotherRelayIsFree_WakesItInsteadOfAskingForHelp()
    {
        var signal = new OutboxSignal();
        using var running = signal.RelayRunning();
        var free = signal.WaitForRowsAsync(Long, CancellationToken.None);
        var help = signal.WaitForHelpWantedAsync(CancellationToken.None);

        signal.Backlog();

        await free.WaitAsync(TimeSpan.FromSeconds(5));
        await Settle();
        Assert.That(help.IsCompleted, Is.False);
    }
}
