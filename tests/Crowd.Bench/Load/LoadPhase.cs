using System.Diagnostics;

namespace Crowd.Bench.Load;

/// <summary>
/// One timed load: a number of concurrent loops (one per connection) repeat a unit of work (a claim + submit pair, or a
/// claim) through a warm-up that is not counted, then a measured window; no loop starts a request after the window ends.
/// The same runner drives the gateway and the raw SQL baseline, so both are counted alike.
/// </summary>
public static class LoadPhase
{
    public static async Task<PhaseResult> RunAsync(string name, string unit, int loops, TimeSpan warmup, TimeSpan measured, Func<int, Recorder, Task> loop)
    {
        var window = new LoadWindow(warmup, measured);
        var recorders = Enumerable.Range(0, loops).Select(_ => new Recorder(window)).ToList();
        var progress = new ProgressLine();
        using var finished = new CancellationTokenSource();
        var ticker = ShowProgressAsync(progress, name, unit, window, finished.Token);
        await Task.WhenAll(recorders.Select((recorder, i) => Task.Run(() => loop(i, recorder))));
        var stoppedAt = Stopwatch.GetTimestamp();
        await finished.CancelAsync();
        await ticker;
        progress.Done();
        return PhaseResult.Merge(recorders, measured, stoppedAt);
    }

    private static async Task ShowProgressAsync(ProgressLine progress, string name, string unit, LoadWindow window, CancellationToken finished)
    {
        var (lastUnits, lastAt) = (0L, Stopwatch.GetTimestamp());
        while (!finished.IsCancellationRequested)
        {
            var (units, now) = (window.Units, Stopwatch.GetTimestamp());
            var rate = (units - lastUnits) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds;
            (lastUnits, lastAt) = (units, now);
            var elapsed = window.Elapsed;
            var phase = elapsed < window.Warmup
                ? Machine.Invariant($"warm-up {elapsed.TotalSeconds,4:F1}/{window.Warmup.TotalSeconds:F0} s")
                : Machine.Invariant($"measuring {Math.Min((elapsed - window.Warmup).TotalSeconds, window.Measured.TotalSeconds),4:F1}/{window.Measured.TotalSeconds:F0} s");
            progress.Show(Machine.Invariant(
                $"  {name}: {phase}  {units:N0} {unit}s ({(double.IsFinite(rate) ? rate : 0):N0}/s now)  non-2xx {window.Failures:N0}"));
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), finished);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

/// <summary>The clock of one phase, and the counters the progress line shows (every loop adds to them).</summary>
public sealed class LoadWindow(TimeSpan warmup, TimeSpan measured)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _units;
    private long _failures;

    public TimeSpan Warmup => warmup;
    public TimeSpan Measured => measured;
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);
    public bool Over => Elapsed >= warmup + measured;
    public long Units => Interlocked.Read(ref _units);
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Whether something that started at <paramref name="timestamp"/> counts: it started inside the measured window.</summary>
    public bool Counts(long timestamp)
    {
        var since = Stopwatch.GetElapsedTime(_start, timestamp);
        return since >= warmup && since < warmup + measured;
    }

    internal void AddUnit() => Interlocked.Increment(ref _units);

    internal void AddFailure() => Interlocked.Increment(ref _failures);
}

/// <summary>What one loop saw; only its own loop writes to it, so nothing is locked.</summary>
public sealed class Recorder(LoadWindow window)
{
    internal readonly Dictionary<string, List<double>> Latencies = new(StringComparer.Ordinal);
    internal readonly Dictionary<(string Kind, int Status), int> Statuses = [];
    internal int Units;
    internal int UnitsAll;

    /// <summary>True until the measured window has ended: a loop starts no request after that.</summary>
    public bool Going => !window.Over;

    /// <summary>
    /// One request of <paramref name="kind"/> that started at <paramref name="started"/> (a <see cref="Stopwatch"/>
    /// timestamp) and ended now with <paramref name="status"/> (0: no answer). Latency counts inside the measured window;
    /// statuses count over the whole run, warm-up included, as any failure matters.
    /// </summary>
    public void Request(string kind, long started, int status)
    {
        var ended = Stopwatch.GetTimestamp();
        if (window.Counts(started))
        {
            if (!Latencies.TryGetValue(kind, out var list))
            {
                Latencies[kind] = list = [];
            }

            list.Add(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
        }

        Statuses[(kind, status)] = Statuses.GetValueOrDefault((kind, status)) + 1;
        if (status is < 200 or >= 300)
        {
            window.AddFailure();
        }
    }

    /// <summary>One unit of work done (a pair submitted, a claim taken) that started at <paramref name="started"/>.</summary>
    public void Done(long started)
    {
        UnitsAll++;
        window.AddUnit();
        if (window.Counts(started))
        {
            Units++;
        }
    }
}

/// <summary>A phase's figures: units per second over the measured window, latencies per request kind, statuses.</summary>
public sealed record PhaseResult(
    int Units, int UnitsAll, TimeSpan Measured, IReadOnlyDictionary<string, double[]> Latencies, IReadOnlyDictionary<(string Kind, int Status), int> Statuses,
    long StoppedAt)
{
    public double Rate => Units / Measured.TotalSeconds;

    /// <summary>Answers outside 2xx (0: no answer at all), by kind and status, over the whole run.</summary>
    public IEnumerable<KeyValuePair<(string Kind, int Status), int>> Failures =>
        Statuses.Where(s => s.Key.Status is < 200 or >= 300).OrderBy(s => s.Key.Kind, StringComparer.Ordinal).ThenBy(s => s.Key.Status);

    public int Count(string kind, int status) => Statuses.GetValueOrDefault((kind, status));

    /// <summary>Nearest-rank percentile of a kind's measured latencies, in milliseconds (NaN when none was measured).</summary>
    public double Percentile(string kind, double p) =>
        Latencies.TryGetValue(kind, out var sorted) && sorted.Length > 0 ? sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)] : double.NaN;

    /// <summary>One line per request kind: count and p50/p95/p99/max.</summary>
    public IEnumerable<string> LatencyLines() => Latencies.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => Machine.Invariant(
        $"    {l.Key,-7} n={l.Value.Length,7:N0}  p50 {Percentile(l.Key, 0.50),7:F1} ms  p95 {Percentile(l.Key, 0.95),7:F1} ms  p99 {Percentile(l.Key, 0.99),7:F1} ms  max {l.Value[^1],7:F1} ms"));

    /// <summary>"none", or each kind and status with its count (<c>submit 409 ×3</c>).</summary>
    public string FailureSummary() => Failures.Any()
        ? string.Join(", ", Failures.Select(f => Machine.Invariant($"{f.Key.Kind} {(f.Key.Status == 0 ? "no answer" : f.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))} ×{f.Value:N0}")))
        : "none";

    internal static PhaseResult Merge(IReadOnlyList<Recorder> recorders, TimeSpan measured, long stoppedAt)
    {
        var latencies = recorders.SelectMany(r => r.Latencies).GroupBy(l => l.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(l => l.Value).Order().ToArray(), StringComparer.Ordinal);
        var statuses = new Dictionary<(string, int), int>();
        foreach (var (key, count) in recorders.SelectMany(r => r.Statuses))
        {
            statuses[key] = statuses.GetValueOrDefault(key) + count;
        }

        return new PhaseResult(recorders.Sum(r => r.Units), recorders.Sum(r => r.UnitsAll), measured, latencies, statuses, stoppedAt);
    }
}

/// <summary>
/// One status line: rewritten in place on a terminal; printed as plain lines, at most one every five seconds, when the
/// output goes to a file or a pipe (a log of carriage returns would be one unreadable line).
/// </summary>
public sealed class ProgressLine
{
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);
    private readonly bool _inPlace = !Console.IsOutputRedirected;
    private readonly Lock _lock = new();
    private long _lastPlain;
    private int _width;

    public void Show(string text)
    {
        lock (_lock)
        {
            if (_inPlace)
            {
                Console.Write('\r' + text.PadRight(_width));
                _width = text.Length;
            }
            else if (_lastPlain == 0 || Stopwatch.GetElapsedTime(_lastPlain) >= PlainEvery)
            {
                Console.WriteLine(text);
                _lastPlain = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>Ends the line in place, so that what is printed next starts on its own line.</summary>
    public void Done()
    {
        lock (_lock)
        {
            if (_inPlace && _width > 0)
            {
                Console.Write('\r' + new string(' ', _width) + '\r');
            }

            _width = 0;
        }
    }
}
