using System.Globalization;
using System.Reflection;
using Crowd.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Crowd.Bench;

/// <summary>What every benchmark prints beside its figures: the wall times depend on who else uses the cores.</summary>
public static class Machine
{
    /// <summary>The machine's 1-minute load average (Linux).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A host with a service's data block only (its migrations applied, <see cref="Database"/> and the data source
    /// registered), no messaging: what a benchmark of one service's data code needs.
    /// </summary>
    public static async Task<IHost> StartDataHostAsync(string connectionString, Assembly serviceAssembly)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = connectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddCrowdData(serviceAssembly);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

/// <summary>Samples the managed heap every 20 ms; <see cref="Peak"/> is the most it held.</summary>
public sealed class HeapSampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public HeapSampler() => _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(20));

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        var now = GC.GetTotalMemory(forceFullCollection: false);
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
        {
        }
    }
}
