using Crowd.Testing;
using Npgsql;

namespace Crowd.Data.Tests.Messaging;

/// <summary>What every service's connections to its database are set to, on the real PostgreSQL.</summary>
[TestFixture]
[Category("Integration")]
public sealed class ConnectionSettingsTests : MessagingFixture
{
    /// <summary>Estimated far above <c>jit_above_cost</c> (100,000 by default): PostgreSQL would compile it.</summary>
    private const string Costly = "EXPLAIN SELECT sum(i * 2 + 1) FROM generate_series(1, 50000000) i";

    [Test]
    public async Task ServiceConnections_StatementEstimatedAboveTheJitCost_AreNeverCompiled()
    {
        await using (var plain = new NpgsqlConnection(ConnectionString))
        {
            await plain.OpenAsync();
            Assume.That(await PlanAsync(plain), Does.Contain("JIT"), "this server compiles such a statement on a connection left at its defaults");
        }

        await using var host = await MessagingHost.StartAsync(ConnectionString, VirtualHost, relayEnabled: false);
        await using var connection = await host.DataSource.OpenConnectionAsync();
        Assert.That(await PlanAsync(connection), Does.Not.Contain("JIT"),
            "a service's statement is never JIT-compiled, whatever the planner estimates (a pool not analyzed yet)");
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(Costly, connection);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
