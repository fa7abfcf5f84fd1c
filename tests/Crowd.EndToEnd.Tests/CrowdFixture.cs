using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using Npgsql;

using Crowd.EndToEnd.Tests.Infrastructure;

namespace Crowd.EndToEnd.Tests;

/// <summary>One set of the five processes for the whole end-to-end suite, and helpers to call them as users do.</summary>
[SetUpFixture]
public sealed class CrowdFixture
{
    /// <summary>Short leases (workers' and QA reviewers'), swept every second, so that expiry can be observed within a test.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);

    private static CrowdProcesses? _crowd;

    /// <summary>How long a hard task is offered only to its batch's stronger workers in these tests.</summary>
    public static readonly TimeSpan HardTaskWindow = TimeSpan.FromSeconds(8);

    public static CrowdProcesses Crowd => _crowd ?? throw new InvalidOperationException("The processes are not started.");

    /// <summary>The gateway, called as a worker's app would: 5xx and lost connections are retried for up to a minute.</summary>
    public static HttpClient Http { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartProcessesAsync()
    {
        _crowd = await CrowdProcesses.StartAsync(new Dictionary<string, string>
        {
            ["Lease__Duration"] = Lease.ToString("c"),
            ["Lease__SweepInterval"] = "00:00:01",
            ["Qa__LeaseDuration"] = Lease.ToString("c"),
            // Hard tasks wait this long for the batch's stronger workers; any test's new worker gets them after it.
            ["HardTasks__StrongWorkersFirstFor"] = HardTaskWindow.ToString("c"),
        });
        Http = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(1));
    }

    [OneTimeTearDown]
    public async Task StopProcessesAsync()
    {
        if (_crowd is not null)
        {
            await _crowd.DisposeAsync();
        }

        Http?.Dispose();
    }

    /// <summary>A caller with a unique subject (so tests never share principals) and the given roles.</summary>
    public static CrowdClient As(string role, string? subject = null) =>
        new(Http, Crowd.Tokens, subject ?? $"{role}-{Guid.NewGuid():N}"[..(role.Length + 13)], role);

    /// <summary>A valid classification batch; tests change what they need with <c>with</c>-style overrides on the dictionary.</summary>
    public static Dictionary<string, object?> Batch(int items = 2, string? qualification = null, int min = 1, int max = 3) => new()
    {
        ["name"] = "End-to-end batch",
        ["modality"] = "CT",
        ["labelSchema"] = new { kind = "classification", classes = new[] { "nodule", "no-nodule" } },
        ["slicing"] = new { mode = "per-item" },
        ["redundancy"] = new { min, max },
        ["acceptance"] = new { threshold = 0.9 },
        ["pricePerAnnotationCents"] = 40,
        ["requiredQualifications"] = qualification is null ? Array.Empty<string>() : new[] { qualification },
        ["items"] = Enumerable.Range(0, items).Select(i => new { externalId = $"case-{i}", contentUri = $"dicomweb://pacs.test/studies/{i}" }).ToArray(),
    };

    /// <summary>
    /// A requester with money, a funded open batch whose tasks only holders of a fresh qualification can claim, and that
    /// qualification; <paramref name="change"/> edits the batch before it is submitted (another schema kind, gold items).
    /// </summary>
    public static async Task<(CrowdClient Requester, Guid BatchId, string Qualification)> OpenBatchAsync(
        int items = 2, int min = 1, int max = 3, Action<Dictionary<string, object?>>? change = null)
    {
        var qualification = $"q-{Guid.NewGuid():N}"[..12];
        var requester = As("requester");
        await As("admin").CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 100_000, reference = "test" });
        var body = Batch(items, qualification, min, max);
        change?.Invoke(body);
        var batch = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", body))!.Value;
        var batchId = batch.GetProperty("batchId").GetGuid();
        await WaitForBatchAsync(requester, batchId, "open");
        return (requester, batchId, qualification);
    }

    /// <summary>A worker with a profile and the given qualifications.</summary>
    public static async Task<CrowdClient> WorkerAsync(params string[] qualifications)
    {
        var worker = As("worker");
        await worker.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}", new { displayName = "Test Worker", timeZone = "UTC" });
        await As("admin").CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}/qualifications", new { qualifications });
        return worker;
    }

    /// <summary>
    /// The worker's next claim, waiting while the pool is still empty: a batch is <c>open</c> as soon as it is funded,
    /// and its tasks reach the pool a moment later, through TasksReleased.
    /// </summary>
    public static async Task<JsonElement> ClaimAsync(CrowdClient worker) =>
        (await Eventually.WaitForAsync(
            () => worker.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims", expected: [HttpStatusCode.Created, HttpStatusCode.NoContent]),
            claim => claim is not null, TimeSpan.FromSeconds(30), $"a task for {worker.Subject}"))!.Value;

    public static Task<JsonElement> WaitForBatchAsync(CrowdClient requester, Guid batchId, string status) =>
        Eventually.WaitForAsync(() => requester.GetAsync($"/v1/batches/{batchId}"),
            b => b.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(60), $"batch {batchId} to be {status}");

    /// <summary>Reads a problem details answer, checking its media type.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }

    public static async Task<HttpStatusCode> StatusAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        return response.StatusCode;
    }

    /// <summary>One value straight from a service's own database, to check what the API cannot show.</summary>
    public static async Task<long> ScalarAsync(string service, string sql) => Convert.ToInt64(await QueryAsync(service, sql), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<string> ScalarTextAsync(string service, string sql) => (string)(await QueryAsync(service, sql))!;

    private static async Task<object?> QueryAsync(string service, string sql)
    {
        await using var connection = new NpgsqlConnection(Crowd.ConnectionString(service));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
