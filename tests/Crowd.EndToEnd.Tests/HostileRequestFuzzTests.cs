using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crowd.Cli.Auth;
using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;
using CsCheck;
using Dapper;
using Npgsql;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10's fuzz suite, on processes of its own (a quiet platform, so that any change is the fuzzer's): a thousand
/// generated hostile requests over every endpoint each service's OpenAPI document lists, as every kind of caller
/// (none, forged, expired, each role, all roles), with odd path values, query strings, bodies and keys. Each must be
/// answered below 500 within 10 s, and afterwards every row of every service's tables (outbox and inbox aside) is as it
/// was, the ledger balances and the audit chain verifies. CsCheck shrinks a failure to a small request and prints it.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class HostileRequestFuzzTests : IDisposable
{
    private const int Requests = 1_000;

    /// <summary>Writes are never aimed at real resources: only reads name them, so that no generated request is a valid act.</summary>
    // The long value is 3,000 characters: two of them in one path (the exam endpoints) stay under Kestrel's 8 KiB request
    // line. Beyond it Kestrel answers 414 and closes with the rest of the request unread, and the kernel's reset then races
    // that answer to the client (a broken pipe in two runs of the suite): the transport's behaviour, not the platform's.
    private static readonly string[] OddPathValues =
        ["", "0", "-1", new string('a', 3_000), "%00", "..%2F..%2Fetc%2Fpasswd", "%F0%9F%A6%A0", "'%20OR%201=1--", "%E2%80%AE", "null"];

    private static readonly string[] OddQueries =
    [
        "", "?limit=-1", "?limit=100000000", "?after=%FF%FE", "?status=..%2F&from=yesterday&to=0", "?format=exe",
        "?limit=1&after=" + new string('9', 3_000), "?subjectId=%00&actorId=%27", "?batchId=not-a-guid&status=claimed",
    ];

    /// <summary>Field names of the API's request bodies, given values of every wrong kind.</summary>
    private static readonly string[] FieldNames =
    [
        "name", "modality", "labelSchema", "items", "goldItems", "slicing", "redundancy", "acceptance", "pricePerAnnotationCents",
        "bonus", "privacy", "priority", "deadline", "callbackUrl", "guidelinesUrl", "requiredQualifications", "annotation",
        "label", "exclude", "note", "amountCents", "reference", "displayName", "timeZone", "qualifications", "minimumCents",
        "questionCount", "passAccuracy", "retakeAfterHours", "kind", "classes",
    ];

    private static readonly object?[] OddValues =
    [
        null, true, -1, 0, long.MaxValue, 1e308, -0.5, "", "\u202Etxt.exe", new string('x', 10_000), Array.Empty<object>(),
        new Dictionary<string, object>(), "2026-02-30T25:61:00Z", "dicomweb://", "javascript:alert(1)", new[] { "a", "a", "a" },
    ];

    private CrowdProcesses _crowd = null!;
    private HttpClient _http = null!;
    private List<(string Method, string Path)> _endpoints = null!;
    private Dictionary<string, string> _realIds = null!;
    private string[] _authorizations = null!;

    [OneTimeSetUp]
    public async Task StartAQuietPlatformWithSomethingToProtectAsync()
    {
        _crowd = await CrowdProcesses.StartAsync();
        // The client waits for the server's "100 Continue" (or its final answer) before sending a body, however busy the
        // machine: after the default 1 s it sends anyway, and a server that has already answered and closed (a refused
        // request line) then shows as a broken pipe instead of its 400 (seen once under the whole suite's load).
        _http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = _crowd.Gateway,
            Timeout = TimeSpan.FromSeconds(10),
        };
        using var patient = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(1));
        var admin = new CrowdClient(patient, _crowd.Tokens, "fuzz-admin-setup", "admin");
        var requester = new CrowdClient(patient, _crowd.Tokens, "fuzz-owner", "requester");
        await admin.CallAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits", new { amountCents = 100_000, reference = "fuzz" });
        var batchId = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", CrowdFixture.Batch(items: 3, "CT")))!.Value.GetProperty("batchId").GetString()!;
        await CrowdFixture.WaitForBatchAsync(requester, Guid.Parse(batchId), "open");
        var worker = new CrowdClient(patient, _crowd.Tokens, "fuzz-worker-owner", "worker");
        await worker.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}", new { displayName = "Owner", timeZone = "UTC" });
        await admin.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}/qualifications", new { qualifications = new[] { "CT" } });
        var claimId = (await CrowdFixture.ClaimAsync(worker)).GetProperty("claimId").GetString()!;
        _realIds = new(StringComparer.Ordinal)
        {
            ["batchId"] = batchId, ["claimId"] = claimId, ["workerId"] = worker.Subject, ["requesterId"] = requester.Subject, ["name"] = "CT",
        };

        _endpoints = [];
        foreach (var service in CrowdProcesses.Services)
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_crowd.Port(service)}/openapi/v1.json"));
            foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
            {
                _endpoints.AddRange(path.Value.EnumerateObject().Select(method => (method.Name.ToUpperInvariant(), path.Name)));
            }
        }

        var tokens = _crowd.Tokens;
        var forged = new TokenIssuer(new byte[32]).Issue("fuzz-forged", ["admin"]);
        var header = Convert.ToBase64String("""{"alg":"none","typ":"JWT"}"""u8.ToArray()).TrimEnd('=');
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"sub":"fuzz-none","role":"admin","iss":"crowd","aud":"crowd","exp":4102444800}""")).TrimEnd('=');
        _authorizations =
        [
            "", "Bearer", "Bearer garbage", $"Bearer {forged}", $"Bearer {header}.{payload}.",
            $"Bearer {tokens.Issue("fuzz-expired", ["admin"], TimeSpan.FromSeconds(-120))}",
            $"Bearer {tokens.Issue("fuzz-requester", ["requester"])}", $"Bearer {tokens.Issue("fuzz-worker", ["worker"])}",
            $"Bearer {tokens.Issue("fuzz-qa", ["qa"])}", $"Bearer {tokens.Issue("fuzz-admin", ["admin"])}",
            $"Bearer {tokens.Issue("fuzz-everyone", ["requester", "worker", "qa", "admin"])}",
        ];
    }

    public void Dispose() => _http?.Dispose();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_crowd is not null)
        {
            await _crowd.DisposeAsync();
        }
    }

    [Test]
    public async Task AThousandHostileRequests_AreAllAnsweredBelow500_AndChangeNothing()
    {
        var before = await SettledFingerprintAsync();
        var statuses = new SortedDictionary<int, int>();

        var requests = from endpoint in Gen.Int[0, _endpoints.Count - 1]
                       from caller in Gen.Int[0, _authorizations.Length - 1]
                       from pathValue in Gen.Int[0, OddPathValues.Length]
                       from query in Gen.Int[0, OddQueries.Length - 1]
                       from body in Gen.Int[0, 9]
                       from fields in Gen.Int[0, 1_000].Array[0, 8]
                       from key in Gen.Int[0, 3]
                       select new Hostile(endpoint, caller, pathValue, query, body, fields, key);
        await requests.SampleAsync(async hostile =>
        {
            using var request = Build(hostile);
            using var response = await _http.SendAsync(request);
            lock (statuses)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            }

            if ((int)response.StatusCode >= 500)
            {
                throw new AssertionException($"{(int)response.StatusCode} for {Describe(hostile)}: {await response.Content.ReadAsStringAsync()}");
            }
        }, iter: Requests, threads: 1, print: Describe);

        TestContext.Progress.WriteLine($"fuzz: {statuses.Values.Sum()} hostile requests over {_endpoints.Count} endpoints: " +
            string.Join(", ", statuses.Select(s => $"{s.Key} × {s.Value}")));
        Assert.That(statuses.Values.Sum(), Is.GreaterThanOrEqualTo(Requests));
        Assert.That(await SettledFingerprintAsync(), Is.EqualTo(before), "no row of any service's tables changed");
        using var patient = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(1));
        var admin = new CrowdClient(patient, _crowd.Tokens, "fuzz-admin-check", "admin");
        Assert.That((await admin.GetAsync("/v1/ledger/check")).GetProperty("balanced").GetBoolean(), Is.True);
        Assert.That((await admin.GetAsync("/v1/audit/verify")).GetProperty("valid").GetBoolean(), Is.True);
    }

    /// <summary>One generated request: indexes into the tables above, and a few numbers that pick a body's fields and values.</summary>
    public sealed record Hostile(int Endpoint, int Caller, int PathValue, int Query, int Body, int[] Fields, int Key);

    private HttpRequestMessage Build(Hostile hostile)
    {
        var (method, template) = _endpoints[hostile.Endpoint];
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)[^}]*\}", placeholder =>
            hostile.PathValue == OddPathValues.Length
                ? method == "GET" && _realIds.TryGetValue(placeholder.Groups[1].Value, out var real) ? real : Guid.NewGuid().ToString()
                : OddPathValues[hostile.PathValue]);
        var request = new HttpRequestMessage(new HttpMethod(method), path + OddQueries[hostile.Query]);
        request.Headers.TryAddWithoutValidation("Authorization", _authorizations[hostile.Caller]);
        if (hostile.Key > 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", hostile.Key switch { 1 => Guid.NewGuid().ToString(), 2 => new string('k', 300), _ => " " });
        }

        if (BodyOf(hostile) is { } body)
        {
            request.Content = new ByteArrayContent(body.Bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(body.ContentType);
            // Kestrel answers a request line it refuses (a NUL in the path) with 400 at once and closes the connection:
            // without waiting for "100 Continue" the client would still be sending the body and see only a reset.
            request.Headers.ExpectContinue = true;
        }

        return request;
    }

    /// <summary>A body that no endpoint can accept: every kind is broken on purpose (the last kinds after valid-looking fields).</summary>
    private static (byte[] Bytes, string ContentType)? BodyOf(Hostile hostile)
    {
        string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
        var fields = hostile.Fields.Select(n => (FieldNames[n % FieldNames.Length], OddValues[n / FieldNames.Length % OddValues.Length]))
            .DistinctBy(f => f.Item1).ToDictionary(f => f.Item1, f => f.Item2);
        var text = hostile.Body switch
        {
            0 => null,
            1 => "{{{ not json",
            2 => string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)),
            3 => Json(new Dictionary<string, object?>(fields) { ["name"] = "nul\u0000inside" }),
            4 => Json(new Dictionary<string, object?>(fields) { ["zzNotAField"] = true }),
            5 => Json(new Dictionary<string, object?>(fields) { ["name"] = new string('n', 100_000), ["zzNotAField"] = 1 }),
            6 => Json(new object[] { fields }),
            7 => "12345678901234567890123456789",
            8 => Json(new Dictionary<string, object?>(fields) { ["bell\u0007key"] = 1 }),
            _ => Json(fields) + " trailing",
        };
        return text is null ? null : (Encoding.UTF8.GetBytes(text), hostile.Body == 9 && hostile.Fields.Length % 2 == 0 ? "text/plain" : "application/json");
    }

    private string Describe(Hostile hostile)
    {
        var (method, path) = _endpoints[hostile.Endpoint];
        var value = hostile.PathValue == OddPathValues.Length ? "(real id or a new uuid)" : OddPathValues[hostile.PathValue];
        var body = BodyOf(hostile) is { } b ? Encoding.UTF8.GetString(b.Bytes) : "(none)";
        return $"{method} {path} with {{…}} = {(value.Length > 40 ? value[..40] + "…" : value)}{OddQueries[hostile.Query][..Math.Min(40, OddQueries[hostile.Query].Length)]}, " +
               $"caller {hostile.Caller}, key {hostile.Key}, body {(body.Length > 120 ? body[..120] + "…" : body)}";
    }

    /// <summary>Every row of every service's tables but the outbox's and the inbox's, hashed per table, once two reads a second apart agree.</summary>
    private async Task<Dictionary<string, string>> SettledFingerprintAsync()
    {
        var previous = await FingerprintAsync();
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var current = await FingerprintAsync();
            if (current.Count == previous.Count && !current.Except(previous).Any())
            {
                return current;
            }

            previous = current;
        }

        return previous;
    }

    private async Task<Dictionary<string, string>> FingerprintAsync()
    {
        var fingerprint = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in CrowdProcesses.Services)
        {
            await using var connection = new NpgsqlConnection(_crowd.ConnectionString(service));
            await connection.OpenAsync();
            var tables = await connection.QueryAsync<string>(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('outbox', 'inbox') ORDER BY 1");
            foreach (var table in tables)
            {
                fingerprint[$"{service}.{table}"] = (await connection.ExecuteScalarAsync<string>(
                    $"SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{table}\" t"))!;
            }
        }

        return fingerprint;
    }
}
