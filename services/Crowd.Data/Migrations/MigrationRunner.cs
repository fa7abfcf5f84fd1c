using System.Reflection;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crowd.Data.Migrations;

/// <summary>
/// Applies the embedded, forward-only <c>NNNN_name.sql</c> scripts of the shared data block and of the service,
/// each in its own transaction, under an advisory lock so that two instances starting together migrate once.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, IEnumerable<Assembly> scriptAssemblies, ILogger<MigrationRunner> logger)
    : IHostedService
{
    // Any constant works; it only has to be the same for every instance of every service.
    private const long MigrationLockKey = 0x43726f7764; // "Crowd"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
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
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey });
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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
