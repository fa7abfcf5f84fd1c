using System.Diagnostics;
using System.Globalization;
using Crowd.Testing;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster and a RabbitMQ node of the test's own, started by the very scripts <c>./crowd up</c> runs
/// (<c>infra/postgres.sh</c>, <c>infra/rabbitmq.sh</c>) with their state in a temporary folder and on free ports, so that
/// the test can SIGKILL them without touching the servers every other test shares.
/// </summary>
public sealed class PrivateInfrastructure : IAsyncDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"crowd-faults-{Guid.NewGuid():N}"[..21]);
    private readonly int _postgresPort = LoopbackPorts.Free();
    private readonly int _rabbitPort = LoopbackPorts.FreeRun(4);

    public InfrastructureServers Servers => new(
        $"Host=127.0.0.1;Port={_postgresPort};Username=crowd;Password=crowd", "127.0.0.1", _rabbitPort, _rabbitPort + 1, "crowd", "crowd");

    public static async Task<PrivateInfrastructure> StartAsync()
    {
        var infrastructure = new PrivateInfrastructure();
        Directory.CreateDirectory(infrastructure._state);
        await infrastructure.StartPostgresAsync();
        await infrastructure.StartRabbitAsync();
        return infrastructure;
    }

    public Task StartPostgresAsync() => RunScriptAsync("postgres.sh", "start");

    public Task StartRabbitAsync() => RunScriptAsync("rabbitmq.sh", "start");

    /// <summary>SIGKILL to the postmaster and every backend at once: no shutdown checkpoint, crash recovery on the next start.</summary>
    public void KillPostgres() =>
        KillTree(File.ReadLines(Path.Combine(_state, "pg", "data", "postmaster.pid")).First());

    /// <summary>SIGKILL to the broker's Erlang VM and its helpers: unconfirmed publishes and unacknowledged deliveries are cut off.</summary>
    public void KillRabbit() =>
        KillTree(File.ReadAllText(Path.Combine(_state, "rabbitmq", "rabbitmq.pid")));

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync("rabbitmq.sh", "stop");
        await RunScriptAsync("postgres.sh", "stop");
        Directory.Delete(_state, recursive: true);
    }

    private static void KillTree(string pid)
    {
        using var process = Process.GetProcessById(int.Parse(pid.Trim(), CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    private async Task RunScriptAsync(string script, string command)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(CrowdProcesses.RepositoryRoot, "infra", script), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CROWD_INFRA_STATE"] = _state;
        start.Environment["CROWD_PG_PORT"] = _postgresPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["CROWD_RABBIT_PORT"] = _rabbitPort.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra/{script} {command} exited with {process.ExitCode}:\n{await output}{await errors}");
        }
    }
}
