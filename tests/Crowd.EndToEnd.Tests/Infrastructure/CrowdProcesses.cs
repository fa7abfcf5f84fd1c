using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Crowd.Cli.Auth;
using Crowd.Testing;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The five Crowd processes, started as separate OS processes from their Release builds, each with a database of
/// its own on the real PostgreSQL and one shared test virtual host on the real RabbitMQ, on free loopback ports.
/// </summary>
public sealed class CrowdProcesses : IAsyncDisposable
{
    private static readonly string[] Services = ["Slicing", "Assignment", "Consensus", "Payouts"];
    private readonly Dictionary<string, Process> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDictionary<string, string>?> _settings = new(StringComparer.Ordinal);
    private readonly string _run = TestInfrastructure.UniqueName("e2e");
    private readonly string _logDirectory;
    private readonly string _keyFile;

    private CrowdProcesses()
    {
        _logDirectory = Path.Combine(RepositoryRoot, ".crowd", "test-logs", _run);
        Directory.CreateDirectory(_logDirectory);
        _keyFile = Path.Combine(_logDirectory, "jwt.key");
        File.WriteAllText(_keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        Tokens = TokenIssuer.FromKeyFile(_keyFile);
    }

    public TokenIssuer Tokens { get; }

    public Uri Gateway => new($"http://127.0.0.1:{_ports["Gateway"]}");

    public string ConnectionString(string service) => _databases[service];

    public int Port(string service) => _ports[service];

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// Starts everything and waits until every process answers <c>/health/ready</c>. <paramref name="settings"/> go to every
    /// service (each reads only its own sections: <c>Lease</c> assignment's, <c>Qa</c> consensus's).
    /// </summary>
    public static async Task<CrowdProcesses> StartAsync(IDictionary<string, string>? settings = null)
    {
        var crowd = new CrowdProcesses();
        await TestInfrastructure.CreateVirtualHostAsync(crowd._run);
        foreach (var service in Services)
        {
            var database = $"{crowd._run}_{service.ToLowerInvariant()}";
            crowd._databases[service] = await TestInfrastructure.CreateDatabaseAsync(database);
        }

        foreach (var service in Services.Append("Gateway"))
        {
            crowd._ports[service] = FreePort();
        }

        foreach (var service in Services)
        {
            crowd.Start(service, settings);
        }

        crowd.Start("Gateway", Services.ToDictionary(
            s => $"ReverseProxy__Clusters__{s.ToLowerInvariant()}__Destinations__local__Address",
            s => $"http://127.0.0.1:{crowd._ports[s]}"));
        await crowd.WaitUntilReadyAsync(crowd._ports.Keys);
        return crowd;
    }

    /// <summary>SIGKILL: no graceful shutdown, no chance to finish or roll back anything in flight.</summary>
    public void Kill(string service)
    {
        using var process = _processes[service];
        _processes.Remove(service);
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>Starts a killed service again on its old port, database and settings, and waits until it is ready.</summary>
    public async Task RestartAsync(string service)
    {
        Start(service, _settings[service]);
        await WaitUntilReadyAsync([service]);
    }

    private void Start(string service, IDictionary<string, string>? settings)
    {
        _settings[service] = settings;
        var dll = Path.Combine(RepositoryRoot, "services", $"Crowd.{service}", "bin", BuildConfiguration, "net10.0", $"Crowd.{service}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the solution first (./crowd test does): {dll} is missing.");
        }

        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ports[service]}";
        // Development, as ./crowd up runs them: it turns on DI scope validation, which catches lifetime mistakes.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (service != "Gateway")
        {
            start.Environment["ConnectionStrings__Database"] = _databases[service];
            start.Environment["RabbitMq__Host"] = TestInfrastructure.RabbitHost;
            start.Environment["RabbitMq__Port"] = TestInfrastructure.RabbitPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["RabbitMq__VirtualHost"] = _run;
            start.Environment["RabbitMq__Username"] = TestInfrastructure.RabbitUser;
            start.Environment["RabbitMq__Password"] = TestInfrastructure.RabbitPassword;
            start.Environment["Auth__SigningKeyFile"] = _keyFile;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new StreamWriter(Path.Combine(_logDirectory, $"{service.ToLowerInvariant()}.log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[service] = process;
    }

    private async Task WaitUntilReadyAsync(IEnumerable<string> services)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var service in services.ToList())
        {
            var port = _ports[service];
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                if (_processes[service].HasExited)
                {
                    throw new InvalidOperationException($"{service} exited with {_processes[service].ExitCode}:\n{LogTail(service)}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{service} was not ready within 90 s:\n{LogTail(service)}");
                }

                await Task.Delay(200);
            }
        }
    }

    public string LogTail(string service)
    {
        var path = Path.Combine(_logDirectory, $"{service.ToLowerInvariant()}.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.Values)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        foreach (var database in _databases.Keys.Select(s => $"{_run}_{s.ToLowerInvariant()}"))
        {
            await TestInfrastructure.DropDatabaseAsync(database);
        }

        await TestInfrastructure.DeleteVirtualHostAsync(_run);
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Crowd.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Crowd.sln not found above the test binaries.");
    }
}
