using System.Reflection;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crowd.Data.Migrations;

/// <summary>Who the schema belongs to and what the service may do with it (<see cref="MigrationRunner"/>).</summary>
/// <param name="OwnerConnectionString">
/// The database owner's login (<c>ConnectionStrings:Migrations</c>), which runs the scripts; null: the service's own
/// login runs them and owns what they make (the tests' throwaway databases).
/// </param>
/// <param name="AppendOnlyTables">Tables the service may read and insert into, and never update or delete from.</param>
public sealed record SchemaOwnership(string? OwnerConnectionString, IReadOnlyList<string> AppendOnlyTables);

/// <summary>
/// Applies the embedded, forward-only <c>NNNN_name.sql</c> scripts of the shared data block and of the service,
/// each in its own transaction, under an advisory lock so that two instances starting together migrate once.
/// <para>
/// With an owner login (<see cref="SchemaOwnership"/>) the scripts run as the owner, and then the service's login (the
/// role of <c>ConnectionStrings:Database</c>, which owns nothing) is given exactly what the code needs, again at every
/// start so that new tables are covered: rows of every table to read, insert, update and delete, except the append-only
/// tables (read and insert), and nothing on the migrations journal. Never TRUNCATE, and no DDL: altering a table,
/// or switching off its triggers, takes its owner.
/// </para>
/// </summary>
public sealed class MigrationRunner(
    NpgsqlDataSource dataSource, IEnumerable<Assembly> scriptAssemblies, SchemaOwnership ownership, ILogger<MigrationRunner> logger)
    : IHostedService
{
    // Any constant works; it only has to be the same for every instance of every service.
    private const long MigrationLockKey = 0x43726f7764; // "Crowd"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var owner = ownership.OwnerConnectionString is { } asOwner ? NpgsqlDataSource.Create(asOwner) : null;
        await using var connection = await (owner ?? dataSource).OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = MigrationLockKey }, cancellationToken: cancellationToken));
        try
        {
            const string journal = """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    script     text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """;
            await connection.ExecuteAsync(new CommandDefinition(journal, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<string>("SELECT script FROM schema_migrations")).ToHashSet(StringComparer.Ordinal);

            foreach (var script in Scripts().Where(s => !applied.Contains(s.Name)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(script.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (script) VALUES (@name)", new { name = script.Name }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Script}", script.Name);
            }

            if (owner is not null)
            {
                await GrantServiceRoleAsync(connection, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Username!, cancellationToken);
            }
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey });
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task GrantServiceRoleAsync(NpgsqlConnection connection, string serviceRole, CancellationToken cancellationToken)
    {
        var role = Quote(serviceRole);
        var grants = $"""
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role};
            REVOKE ALL ON schema_migrations FROM {role};
            {string.Concat(ownership.AppendOnlyTables.Select(table => $"REVOKE UPDATE, DELETE ON {Quote(table)} FROM {role};\n"))}
            """;
        await connection.ExecuteAsync(new CommandDefinition(grants, cancellationToken: cancellationToken));
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>Scripts ordered by assembly (shared block first) then by file name; the journal key is the resource name.</summary>
    private IEnumerable<(string Name, string Sql)> Scripts()
    {
        foreach (var assembly in scriptAssemblies)
        {
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                yield return (name, reader.ReadToEnd());
            }
        }
    }
}
