using System.Diagnostics;
using System.Globalization;

namespace Crowd.Bench.Load;

/// <summary>
/// CPU time the processes behind a load used between <see cref="Start"/> and <see cref="Line"/>: the five services,
/// every instance of each (their pid files under <c>.crowd/run</c>), this process, PostgreSQL's backends connected to the given databases (its
/// other users' work is not ours) and RabbitMQ. On a shared machine the wall-clock rate depends on who else runs; CPU per
/// unit of work much less, and the sum says how many units the machine's cores could carry at most. Left out: PostgreSQL's
/// own background processes (WAL writer, checkpointer, autovacuum) and backends that end during the load.
/// </summary>
public sealed class CpuMeter
{
    private static readonly string[] Services = ["gateway", "assignment", "consensus", "slicing", "payouts"];
    private readonly string? _runFolder;
    private readonly IReadOnlySet<string> _databases;
    private readonly Dictionary<string, TimeSpan> _start;

    private CpuMeter(string? runFolder, IReadOnlySet<string> databases)
    {
        _runFolder = runFolder;
        _databases = databases;
        _start = Sample();
    }

    /// <summary>
    /// Starts measuring; <paramref name="runFolder"/> is where the services' pid files are (null: no services, no
    /// RabbitMQ), <paramref name="databases"/> the databases whose backends count.
    /// </summary>
    public static CpuMeter Start(string? runFolder, params string[] databases) => new(runFolder, databases.ToHashSet(StringComparer.Ordinal));

    /// <summary>CPU milliseconds per unit of work since the start, per process; NaN when no unit was done.</summary>
    public CpuUse Stop(int units)
    {
        // Per process, then per name: a backend that ended during the load is simply absent at the end (left out, as the
        // summary says), where a sum taken at each end would subtract its time from the others'.
        var end = Sample();
        var used = end
            .GroupBy(e => e.Key.Split(PidSeparator)[0], e => e.Value - _start.GetValueOrDefault(e.Key))
            .Select(g => (g.Key, units == 0 ? double.NaN : g.Sum(t => t.TotalMilliseconds) / units))
            .ToList();
        return new CpuUse(used, used.Sum(u => u.Item2));
    }

    private Dictionary<string, TimeSpan> Sample()
    {
        var sample = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        if (_runFolder is not null)
        {
            // Every instance of a service (service.pid, service-2.pid, ... under --replicas), summed under its name.
            foreach (var service in Services)
            {
                foreach (var pidFile in Directory.EnumerateFiles(_runFolder, $"{service}*.pid"))
                {
                    var instance = Path.GetFileNameWithoutExtension(pidFile);
                    if ((instance == service || instance.StartsWith($"{service}-", StringComparison.Ordinal))
                        && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && Cpu(pid) is { } cpu)
                    {
                        sample[$"{service}{PidSeparator}{pid}"] = cpu;
                    }
                }
            }
        }

        sample["this client"] = Process.GetCurrentProcess().TotalProcessorTime;
        AddEach(sample, "PostgreSQL", "postgres", IsOurBackend);
        if (_runFolder is not null)
        {
            AddEach(sample, "RabbitMQ", "beam.smp", _ => true);
        }

        return sample;
    }

    private const char PidSeparator = '#';

    /// <summary>
    /// Adds each process whose command is <paramref name="comm"/> and whose command line <paramref name="counts"/>, as
    /// <c>name#pid</c>, read from /proc: PostgreSQL rewrites its backends' command lines (<c>postgres: user database host
    /// activity</c>), so <see cref="Process.GetProcessesByName(string)"/> does not find them.
    /// </summary>
    private static void AddEach(Dictionary<string, TimeSpan> sample, string name, string comm, Func<string, bool> counts)
    {
        sample[name] = TimeSpan.Zero; // listed even when none runs
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && Read(Path.Combine(folder, "comm"))?.Trim() == comm
                && Read(Path.Combine(folder, "cmdline")) is { } commandLine && counts(commandLine) && Cpu(pid) is { } cpu)
            {
                sample[$"{name}{PidSeparator}{pid}"] = cpu;
            }
        }
    }

    private bool IsOurBackend(string commandLine) =>
        commandLine.Split(' ', 4) is ["postgres:", _, var database, _] && _databases.Contains(database);

    /// <summary>A process's user and system time from /proc/PID/stat, or null when it is gone.</summary>
    private static TimeSpan? Cpu(int pid)
    {
        // After the command in parentheses (which may hold spaces) come state, ppid, ...: utime and stime are fields 14
        // and 15, in clock ticks of 1/100 s (USER_HZ on Linux).
        if (Read($"/proc/{pid}/stat") is not { } stat)
        {
            return null;
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>What a unit of work cost in CPU milliseconds, per process and in all.</summary>
public sealed record CpuUse(IReadOnlyList<(string Process, double Milliseconds)> ByProcess, double Milliseconds)
{
    /// <summary>The costs and the rate this machine's cores could carry at most if nothing else ran.</summary>
    public string Line(string unit) => string.Create(CultureInfo.InvariantCulture,
        $"  CPU per {unit}: {string.Join(", ", ByProcess.Select(p => Machine.Invariant($"{p.Process} {p.Milliseconds:F2} ms")))}; " +
        $"in all {Milliseconds:F2} ms, at most {Environment.ProcessorCount * 1000 / Milliseconds:N0} {unit}s/s on {Environment.ProcessorCount} cores");
}
