using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Crowd.Cli.Auth;
using Crowd.Testing;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The Crowd processes, started as separate OS processes from their Release builds, each service with a database of
/// its own on the real PostgreSQL and one shared test virtual host on the real RabbitMQ, on free loopback ports. With
/// replicas, every service runs that many instances (named <c>Assignment</c>, <c>Assignment.2</c>, ...) on one database,
/// and the gateway balances across them.
/// </summary>
public sealed class CrowdProcesses : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Services = ["Slicing", "Assignment", "Consensus", "Payouts"];
    private readonly InfrastructureServers _servers;
    private readonly Dictionary<string, Process> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Superuser, string Owner, string Service)> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDictionary<string, string>?> _settings = new(StringComparer.Ordinal);
    private readonly string _run = TestInfrastructure.UniqueName("e2e");
    private readonly string _logDirectory;
    private readonly string _keyFile;
    private readonly string _auditKeyFile;
    private readonly Dictionary<string, string> _brokerPasswords = Services.ToDictionary(
        s => s, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), StringComparer.Ordinal);

    private CrowdProcesses(InfrastructureServers servers)
    {
        _servers = servers;
        _logDirectory = Path.Combine(RepositoryRoot, ".crowd", "test-logs", _run);
        Directory.CreateDirectory(_logDirectory);
        _keyFile = Path.Combine(_logDirectory, "jwt.key");
        File.WriteAllText(_keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        Tokens = TokenIssuer.FromKeyFile(_keyFile);
        _auditKeyFile = Path.Combine(_logDirectory, "audit-checkpoint.key");
        File.WriteAllText(_auditKeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        AuditCheckpointFile = Path.Combine(_logDirectory, "audit-checkpoints.jsonl");
    }

    /// <summary>Where payouts appends its signed checkpoints of the audit chain in this run.</summary>
    public string AuditCheckpointFile { get; }

    public TokenIssuer Tokens { get; }

    /// <summary>The services' signing key (base64 in a file), for tests that build tokens by hand.</summary>
    public string SigningKeyFile => _keyFile;

    public Uri Gateway => new($"http://127.0.0.1:{_ports["Gateway"]}");

    /// <summary>The service's database as the superuser: for tests that look inside it, or damage it on purpose.</summary>
    public string ConnectionString(string service) => _databases[ServiceOf(service)].Superuser;

    /// <summary>The service's database as the service itself logs in (a role that owns nothing).</summary>
    public string ServiceConnectionString(string service) => _databases[ServiceOf(service)].Service;

    public int Port(string instance) => _ports[instance];

    /// <summary>The messages the run's consumers gave up on, by <c>_error</c> queue (only those holding some).</summary>
    public Task<IReadOnlyDictionary<string, int>> ParkedMessagesAsync() => _servers.ParkedMessagesAsync(_run);

    /// <summary>The run's RabbitMQ virtual host.</summary>
    public string VirtualHost => _run;

    /// <summary>The instances of <paramref name="service"/>: its name, then <c>name.2</c>, <c>name.3</c>, ...</summary>
    public static IEnumerable<string> Instances(string service, int replicas) =>
        Enumerable.Range(1, replicas).Select(n => n == 1 ? service : $"{service}.{n}");

    private static string ServiceOf(string instance) => instance.Split('.')[0];

    /// <summary>The service's broker login in this run: the run's name, a dot, the service's (payouts reads the part after the dot).</summary>
    public string BrokerUser(string service) => $"{_run}.{service.ToLowerInvariant()}";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// Starts everything and waits until every process answers <c>/health/ready</c>. <paramref name="settings"/> go to every
    /// service (each reads only its own sections: <c>Lease</c> assignment's, <c>Qa</c> consensus's). <paramref name="servers"/>:
    /// the PostgreSQL and RabbitMQ to use (default: the shared ones).
    /// </summary>
    public static async Task<CrowdProcesses> StartAsync(
        IDictionary<string, string>? settings = null, InfrastructureServers? servers = null, int replicas = 1)
    {
        var crowd = new CrowdProcesses(servers ?? TestInfrastructure.Shared);
        // A start that fails half way (a port taken, a service that exits) must not leave what it started running.
        try
        {
            await crowd._servers.CreateVirtualHostAsync(crowd._run);
            foreach (var service in Services)
            {
                await crowd._servers.CreateUserAsync(crowd.BrokerUser(service), crowd._brokerPasswords[service], crowd._run);
            }

            foreach (var service in Services)
            {
                var database = $"{crowd._run}_{service.ToLowerInvariant()}";
                crowd._databases[service] = await crowd._servers.CreateServiceDatabaseAsync(database);
            }

            var instances = Services.SelectMany(s => Instances(s, replicas)).ToList();
            foreach (var instance in instances.Append("Gateway"))
            {
                crowd._ports[instance] = LoopbackPorts.Free();
            }

            foreach (var instance in instances)
            {
                crowd.Start(instance, settings);
            }

            // The first instance replaces appsettings.json's "local" destination; the others are added beside it.
            crowd.Start("Gateway", instances.ToDictionary(
                i => $"ReverseProxy__Clusters__{ServiceOf(i).ToLowerInvariant()}__Destinations__{(i.Contains('.') ? $"instance{i.Split('.')[1]}" : "local")}__Address",
                i => $"http://127.0.0.1:{crowd._ports[i]}"));
            await crowd.WaitUntilReadyAsync(crowd._ports.Keys);
        }
        catch
        {
            await crowd.DisposeAsync();
            throw;
        }

        return crowd;
    }

    /// <summary>SIGKILL: no graceful shutdown, no chance to finish or roll back anything in flight.</summary>
    public void Kill(string instance)
    {
        using var process = _processes[instance];
        _processes.Remove(instance);
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>
    /// Starts a killed instance again on its old port, database and settings, and waits until it is ready (and, unless
    /// the broker is meant to be away, connected to it).
    /// </summary>
    public async Task RestartAsync(string instance, bool waitForBroker = true)
    {
        Start(instance, _settings[instance]);
        await WaitUntilReadyAsync([instance], waitForBroker);
    }

    private void Start(string instance, IDictionary<string, string>? settings)
    {
        _settings[instance] = settings;
        var service = ServiceOf(instance);
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
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ports[instance]}";
        // Development, as ./crowd up runs them: it turns on DI scope validation, which catches lifetime mistakes.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // One line per message handled, with its trace id: TracingTests follows a trace through the services' logs.
        start.Environment["Logging__LogLevel__Crowd.Data.Messaging.HandledMessageLog"] = "Information";
        start.Environment["Logging__LogLevel__Crowd.Consensus.Revisiting"] = "Information"; // one line per batch revisited
        // The gateway checks tokens too, for its own endpoint (GET /v1/metrics).
        start.Environment["Auth__SigningKeyFile"] = _keyFile;
        if (service != "Gateway")
        {
            // The smallest pool ./crowd up gives an instance (connections_per_instance): a path that held one connection
            // while it waited for another would stall here.
            start.Environment["ConnectionStrings__Database"] = $"{_databases[service].Service};Maximum Pool Size=4";
            start.Environment["ConnectionStrings__Migrations"] = _databases[service].Owner;
            start.Environment["RabbitMq__Host"] = _servers.RabbitHost;
            start.Environment["RabbitMq__Port"] = _servers.RabbitPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["RabbitMq__VirtualHost"] = _run;
            start.Environment["RabbitMq__Username"] = BrokerUser(service);
            start.Environment["RabbitMq__Password"] = _brokerPasswords[service];
            start.Environment["RabbitMq__Instances"] = _ports.Keys.Count(k => ServiceOf(k) == service).ToString(CultureInfo.InvariantCulture);
            start.Environment["Audit__File"] = AuditCheckpointFile;
            start.Environment["Audit__KeyFile"] = _auditKeyFile;
            // A hard or revisited task is offered to the batch's stronger workers for seconds, not the product's minutes:
            // a test's crowd is small, and its stronger workers may all have worked the task already.
            start.Environment["HardTasks__StrongWorkersFirstFor"] = "00:00:08";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new StreamWriter(Path.Combine(_logDirectory, $"{instance.ToLowerInvariant()}.log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[instance] = process;
    }

    /// <summary>
    /// Waits for <c>/health/ready</c> (the database) and, with <paramref name="waitForBroker"/>, <c>/health/broker</c>: a
    /// service answers before its bus is connected, and a test must not publish before every consumer's queue is bound.
    /// </summary>
    private async Task WaitUntilReadyAsync(IEnumerable<string> instances, bool waitForBroker = true)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var instance in instances.ToList())
        {
            var port = _ports[instance];
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                if (_processes[instance].HasExited)
                {
                    throw new InvalidOperationException($"{instance} exited with {_processes[instance].ExitCode}:\n{LogTail(instance)}");
                }

                try
                {
                    using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                    if (ready.StatusCode == HttpStatusCode.OK && (!waitForBroker || instance == "Gateway" || await BrokerConnectedAsync(http, port)))
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
                    throw new TimeoutException($"{instance} was not ready within 90 s:\n{LogTail(instance)}");
                }

                await Task.Delay(200);
            }
        }
    }

    private static async Task<bool> BrokerConnectedAsync(HttpClient http, int port)
    {
        using var broker = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/broker"));
        return broker.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Everything the instance has logged so far.</summary>
    public string LogText(string instance)
    {
        var path = Path.Combine(_logDirectory, $"{instance.ToLowerInvariant()}.log");
        if (!File.Exists(path))
        {
            return "";
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd();
    }

    public string LogTail(string instance) =>
        LogText(instance) is { Length: > 0 } log ? string.Join('\n', log.Split('\n').TakeLast(40)) : "(no log)";

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
            await _servers.DropServiceDatabaseAsync(database);
        }

        await _servers.DeleteVirtualHostAsync(_run);
        foreach (var service in Services)
        {
            await _servers.DeleteUserAsync(BrokerUser(service));
        }
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";


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
