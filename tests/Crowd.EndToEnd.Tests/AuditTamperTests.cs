using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;
using Crowd.Testing;
using Dapper;
using Npgsql;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10, point 7, on processes of its own (the tests damage the audit chain on purpose): the chain's head is signed
/// into a file outside the database every second here, so deleting the newest events is reported by
/// <c>/v1/audit/verify</c> with how many are gone; a checkpoint line written without the key is reported; and audit
/// events that no service of the platform sent (no broker-checked sender, or a login that is no service) never join
/// the chain but are kept, refused, with the reason.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class AuditTamperTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);
    private CrowdProcesses _crowd = null!;
    private HttpClient _http = null!;
    private CrowdClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartProcessesAsync()
    {
        _crowd = await CrowdProcesses.StartAsync(new Dictionary<string, string> { ["Audit__Interval"] = "00:00:01" });
        _http = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(1));
        _admin = new CrowdClient(_http, _crowd.Tokens, "admin-tamper", "admin");
    }

    [OneTimeTearDown]
    public async Task StopProcessesAsync()
    {
        _http?.Dispose();
        if (_crowd is not null)
        {
            await _crowd.DisposeAsync();
        }
    }

    [Test]
    public async Task Verify_AfterTheTwoNewestEventsAreDeleted_IsInvalidAndCountsThemMissing()
    {
        for (var i = 0; i < 3; i++)
        {
            await _admin.CallAsync(HttpMethod.Post, $"/v1/requesters/requester-{i}/deposits", new { amountCents = 100, reference = $"tamper-{i}" });
        }

        await using var connection = new NpgsqlConnection(_crowd.ConnectionString("Payouts"));
        await connection.OpenAsync();
        // Wait until the deposits are chained and a checkpoint names the newest of them.
        var before = await Eventually.WaitForAsync(
            () => _admin.GetAsync("/v1/audit/verify"),
            v => v.GetProperty("events").GetInt64() >= 3 && v.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.Object
                 && c.GetProperty("events").GetInt64() == v.GetProperty("events").GetInt64(),
            Arrival, "a checkpoint of the whole chain");
        Assert.That(before.GetProperty("valid").GetBoolean(), Is.True);

        // Someone with the database owner's rights drops the guard and deletes the two newest events. The chain that is
        // left links up perfectly: only the checkpoint, outside the database, knows it was longer.
        await connection.ExecuteAsync("""
            ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
            DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 2);
            ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
            """);

        var after = await _admin.GetAsync("/v1/audit/verify");
        Assert.That(after.GetProperty("valid").GetBoolean(), Is.False);
        Assert.That(after.GetProperty("firstBrokenLink").ValueKind, Is.EqualTo(JsonValueKind.Null), "what is left links up");
        var checkpoint = after.GetProperty("checkpoint");
        Assert.That(checkpoint.GetProperty("holds").GetBoolean(), Is.False);
        Assert.That(checkpoint.GetProperty("missingEvents").GetInt64(), Is.EqualTo(2));
        Assert.That(checkpoint.GetProperty("problem").GetString(), Does.Contain("2 of the"));
    }

    [Test]
    public async Task Verify_WithACheckpointLineWrittenWithoutTheKey_IsInvalid()
    {
        await _admin.CallAsync(HttpMethod.Post, "/v1/requesters/requester-forge/deposits", new { amountCents = 100, reference = "forge" });
        await Eventually.WaitForAsync(
            () => _admin.GetAsync("/v1/audit/verify"),
            v => v.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.Object, Arrival, "a first checkpoint");

        var forged = new { seq = 1_000_000, hash = new string('a', 64), events = 1_000_000, at = DateTime.UtcNow, signature = new string('0', 64) };
        await File.AppendAllTextAsync(_crowd.AuditCheckpointFile, JsonSerializer.Serialize(forged, JsonSerializerOptions.Web) + "\n");

        var verified = await _admin.GetAsync("/v1/audit/verify");
        Assert.That(verified.GetProperty("valid").GetBoolean(), Is.False);
        Assert.That(verified.GetProperty("checkpoint").GetProperty("unverifiedCheckpoints").GetInt32(), Is.EqualTo(1));
        Assert.That(verified.GetProperty("checkpoint").GetProperty("seq").GetInt64(), Is.LessThan(1_000_000), "the forged line is not taken as the latest");
    }

    [TestCase(false, "names no sender")]
    [TestCase(true, "is not a service")]
    public async Task AuditEvent_PublishedByNoServiceOfThePlatform_IsRefusedAndKept_NeverChained(bool withUserId, string reason)
    {
        var eventId = Guid.NewGuid();
        var forger = $"forger-{Guid.NewGuid():N}"[..15];
        var envelope = new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Crowd.Contracts.Audit:AuditEventsRecorded" },
            message = new
            {
                events = new[]
                {
                    new
                    {
                        eventId, at = DateTime.UtcNow, actorId = forger, role = "admin", action = "money.deposit",
                        subjectType = "ledger-transaction", subjectId = "forged", detail = "never happened",
                    },
                },
            },
        };
        var properties = new Dictionary<string, string>
        {
            ["content_type"] = "application/vnd.masstransit+json",
            ["message_id"] = envelope.messageId.ToString(),
        };
        if (withUserId)
        {
            properties["user_id"] = TestInfrastructure.RabbitUser; // the broker accepts only the publisher's own login
        }

        var routed = await TestInfrastructure.Shared.PublishAsync(
            _crowd.VirtualHost, "Crowd.Contracts.Audit:AuditEventsRecorded", JsonSerializer.Serialize(envelope, JsonSerializerOptions.Web), properties);
        Assert.That(routed, Is.True);

        await using var connection = new NpgsqlConnection(_crowd.ConnectionString("Payouts"));
        await connection.OpenAsync();
        var refusal = await Eventually.WaitForAsync(
            () => connection.ExecuteScalarAsync<string?>("SELECT reason FROM audit_refused WHERE event_id = @eventId", new { eventId }),
            r => r is not null, Arrival, "the refusal");
        Assert.That(refusal, Does.Contain(reason));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events WHERE event_id = @eventId", new { eventId }), Is.Zero);
        Assert.That((await _admin.GetAsync($"/v1/audit?actorId={forger}")).GetProperty("items").GetArrayLength(), Is.Zero);
    }
}
