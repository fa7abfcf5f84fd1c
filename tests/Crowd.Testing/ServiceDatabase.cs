using System.Reflection;
using Crowd.Data;
using Crowd.Data.Migrations;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Crowd.Testing;

/// <summary>
/// A database of one service's schema on the real PostgreSQL, migrated as the service migrates at start (the shared data
/// block's scripts, then the service's), for integration tests of its data layer; dropped when disposed.
/// </summary>
public sealed class ServiceDatabase : IAsyncDisposable
{
    private readonly string _name;

    private ServiceDatabase(string name, NpgsqlDataSource dataSource)
    {
        _name = name;
        DataSource = dataSource;
        Database = new Database(dataSource);
    }

    public NpgsqlDataSource DataSource { get; }

    public Database Database { get; }

    /// <param name="purpose">A short lower-case word for the database's name (<c>t_payouts_…</c>).</param>
    /// <param name="serviceAssembly">The service whose embedded migrations make the schema.</param>
    public static async Task<ServiceDatabase> CreateAsync(string purpose, Assembly serviceAssembly)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true; // as AddCrowdData sets it for the service
        var name = TestInfrastructure.UniqueName(purpose);
        var dataSource = NpgsqlDataSource.Create(await TestInfrastructure.CreateDatabaseAsync(name));
        await new MigrationRunner(dataSource, [typeof(Database).Assembly, serviceAssembly], new SchemaOwnership(null, []), NullLogger<MigrationRunner>.Instance)
            .StartAsync(CancellationToken.None);
        return new ServiceDatabase(name, dataSource);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await TestInfrastructure.DropDatabaseAsync(_name);
    }
}
