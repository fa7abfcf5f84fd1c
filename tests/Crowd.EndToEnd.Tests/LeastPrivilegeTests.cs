using Dapper;
using Npgsql;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10, point 6: each service logs in to its database as a role that owns nothing (a separate owner role ran the
/// migrations), so the service's credentials cannot change the schema, and for payouts cannot rewrite, delete or
/// truncate the audit trail or switch off its guard. Checked as those logins, against the running platform's databases.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class LeastPrivilegeTests
{
    private const string InsufficientPrivilege = "42501";

    [TestCase("DELETE FROM audit_events")]
    [TestCase("UPDATE audit_events SET detail = 'rewritten'")]
    [TestCase("TRUNCATE audit_events")]
    [TestCase("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")]
    [TestCase("DROP TABLE audit_events")]
    [TestCase("DELETE FROM audit_refused")]
    [TestCase("DELETE FROM schema_migrations")]
    public async Task PayoutsLogin_MayNotChangeOrRemoveTheAuditTrail(string sql)
    {
        await using var payouts = await OpenAsServiceAsync("Payouts");

        var refused = Assert.ThrowsAsync<PostgresException>(() => payouts.ExecuteAsync(sql));

        Assert.That(refused!.SqlState, Is.EqualTo(InsufficientPrivilege), refused.MessageText);
    }

    [Test]
    public async Task PayoutsLogin_ReadsTheAuditTrail()
    {
        await using var payouts = await OpenAsServiceAsync("Payouts");

        Assert.That(await payouts.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events"), Is.GreaterThanOrEqualTo(0));
    }

    [TestCase("Slicing")]
    [TestCase("Assignment")]
    [TestCase("Consensus")]
    [TestCase("Payouts")]
    public async Task ServiceLogin_OwnsNothing_IsNoSuperuser_AndCannotCreateTables(string service)
    {
        await using var connection = await OpenAsServiceAsync(service);

        Assert.That(await connection.ExecuteScalarAsync<bool>("SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = current_user"), Is.False);
        Assert.That(await connection.ExecuteScalarAsync<long>("""
            SELECT (SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user))
                 + (SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user))
                 + (SELECT count(*) FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user))
            """), Is.Zero);
        var refused = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("CREATE TABLE intruder (id int)"));
        Assert.That(refused!.SqlState, Is.EqualTo(InsufficientPrivilege));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox"), Is.GreaterThanOrEqualTo(0), "its own tables it reads");
    }

    private static async Task<NpgsqlConnection> OpenAsServiceAsync(string service)
    {
        var connection = new NpgsqlConnection(CrowdFixture.Crowd.ServiceConnectionString(service));
        await connection.OpenAsync();
        return connection;
    }
}
