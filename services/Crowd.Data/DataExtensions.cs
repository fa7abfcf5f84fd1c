using System.Reflection;
using Crowd.Data.Audit;
using Crowd.Data.Migrations;
using Crowd.Data.Outbox;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crowd.Data;

public static class DataExtensions
{
    /// <summary>
    /// The service's database: one <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:Database</c> (the service's
    /// own login), its migrations (this block's, then the service's embedded <c>Data/Migrations/*.sql</c>) applied at
    /// start as the owner of <c>ConnectionStrings:Migrations</c> when set (<see cref="MigrationRunner"/>: the service's
    /// login then owns nothing and may not touch <paramref name="appendOnlyTables"/> but to read and insert),
    /// <see cref="Database"/> for units of work, and a readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdData(this IHostApplicationBuilder builder, Assembly serviceAssembly, params string[] appendOnlyTables)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var connectionString = builder.Configuration.GetConnectionString("Database")
            ?? throw new InvalidOperationException("ConnectionStrings:Database is not set.");

        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            // The same few statements run for every claim, submission and message: prepared once per connection, PostgreSQL
            // skips parsing and planning them (the claim's is a large one). Migrations run before any of them is prepared.
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 256;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            // A connection going back to the pool is not reset (seven statements at the next use, as many as a claim runs):
            // the services leave no session state behind. Settings are per transaction (SET TRANSACTION), advisory locks
            // are transaction locks (the migrations' session lock is released in a finally), and the one LISTEN holds its
            // connection for the service's life.
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            // No JIT compilation. PostgreSQL compiles a statement with LLVM whenever its estimated cost passes
            // jit_above_cost, at every execution of a prepared plan; these statements take milliseconds, and on a table not
            // analyzed yet (a fresh pool, a large release before autovacuum's next look) the claim's estimate passed it: on a
            // fresh cluster 4,235 claims spent 262 s compiling, 62 ms each, and the load ran at 6 to 16 pairs a second
            // until the pool was analyzed (docs/benchmarks.md). Nothing here runs long enough to gain from it.
            dataSource.ConnectionStringBuilder.Options = $"{dataSource.ConnectionStringBuilder.Options} -c jit=off".TrimStart();
            return dataSource.Build();
        });
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<AuditJournalSignal>();
        builder.Services.AddSingleton(sp => new Database(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<OutboxSignal>(), sp.GetRequiredService<AuditJournalSignal>()));
        // Registered before messaging, so the schema exists before the first consumer or the relay runs.
        builder.Services.AddHostedService(sp => new MigrationRunner(
            sp.GetRequiredService<NpgsqlDataSource>(),
            [typeof(DataExtensions).Assembly, serviceAssembly],
            new SchemaOwnership(builder.Configuration.GetConnectionString("Migrations"), appendOnlyTables),
            sp.GetRequiredService<ILogger<MigrationRunner>>()));
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return builder;
    }

    private sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException exception)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", exception);
            }
        }
    }
}
