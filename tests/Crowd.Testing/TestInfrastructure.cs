using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Crowd.Testing;

/// <summary>
/// The PostgreSQL and RabbitMQ that <c>./crowd test</c> starts (override with CROWD_PG, CROWD_RABBIT_*). Each test run
/// gets databases and a virtual host of its own, so runs never see each other's data.
/// </summary>
public static class TestInfrastructure
{
    public static string PostgresServer => Env("CROWD_PG", "Host=127.0.0.1;Port=55432;Username=crowd;Password=crowd");
    public static string RabbitHost => Env("CROWD_RABBIT_HOST", "127.0.0.1");
    public static int RabbitPort => int.Parse(Env("CROWD_RABBIT_PORT", "55672"), System.Globalization.CultureInfo.InvariantCulture);
    public static int RabbitManagementPort => int.Parse(Env("CROWD_RABBIT_MANAGEMENT_PORT", "55673"), System.Globalization.CultureInfo.InvariantCulture);
    public static string RabbitUser => Env("CROWD_RABBIT_USER", "crowd");
    public static string RabbitPassword => Env("CROWD_RABBIT_PASSWORD", "crowd");

    /// <summary>The shared servers, as one value (a fault test that kills its servers brings a private one instead).</summary>
    public static InfrastructureServers Shared => new(PostgresServer, RabbitHost, RabbitPort, RabbitManagementPort, RabbitUser, RabbitPassword);

    /// <summary>A unique, lower-case name such as <c>t_outbox_3f9a1c2b</c>.</summary>
    public static string UniqueName(string purpose) => $"t_{purpose}_{Guid.NewGuid():N}"[..(purpose.Length + 11)];

    public static Task<string> CreateDatabaseAsync(string name) => Shared.CreateDatabaseAsync(name);

    public static Task DropDatabaseAsync(string name) => Shared.DropDatabaseAsync(name);

    public static Task CreateVirtualHostAsync(string name) => Shared.CreateVirtualHostAsync(name);

    public static Task DeleteVirtualHostAsync(string name) => Shared.DeleteVirtualHostAsync(name);

    public static Task<int> QueueDepthAsync(string virtualHost, string queue) => Shared.QueueDepthAsync(virtualHost, queue);

    public static Task BlockConnectionsAsync(string virtualHost) => Shared.BlockConnectionsAsync(virtualHost);

    public static Task UnblockConnectionsAsync(string virtualHost) => Shared.UnblockConnectionsAsync(virtualHost);

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}

/// <summary>One PostgreSQL server and one RabbitMQ broker (with its management API), and what tests do with them.</summary>
public sealed record InfrastructureServers(
    string PostgresServer, string RabbitHost, int RabbitPort, int RabbitManagementPort, string RabbitUser, string RabbitPassword)
{
    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(PostgresServer + ";Database=postgres"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// A database as <c>./crowd up</c> makes a service's: owned by a login of its own (<c>{name}_owner</c>, which runs the
    /// migrations), used by another that owns nothing (<c>{name}_app</c>, the service's). Returns the connection strings of
    /// the superuser (for tests that inspect or damage the database), the owner and the service.
    /// </summary>
    public async Task<(string Superuser, string Owner, string Service)> CreateServiceDatabaseAsync(string name)
    {
        var (owner, service) = ($"{name}_owner", $"{name}_app");
        var (ownerPassword, servicePassword) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        await using (var connection = new NpgsqlConnection(PostgresServer + ";Database=postgres"))
        {
            await connection.OpenAsync();
            // One command each: CREATE DATABASE cannot share a command with other statements.
            foreach (var statement in new[]
            {
                $"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{ownerPassword}'",
                $"CREATE ROLE \"{service}\" LOGIN PASSWORD '{servicePassword}'",
                $"CREATE DATABASE \"{name}\" OWNER \"{owner}\"",
            })
            {
                await using var create = new NpgsqlCommand(statement, connection);
                await create.ExecuteNonQueryAsync();
            }
        }

        string As(string user, string password) =>
            new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name, Username = user, Password = password }.ConnectionString;
        return (new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString, As(owner, ownerPassword), As(service, servicePassword));
    }

    /// <summary>Drops a database made by <see cref="CreateServiceDatabaseAsync"/> and its two logins.</summary>
    public async Task DropServiceDatabaseAsync(string name)
    {
        await DropDatabaseAsync(name);
        await using var connection = new NpgsqlConnection(PostgresServer + ";Database=postgres");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"""DROP ROLE IF EXISTS "{name}_owner"; DROP ROLE IF EXISTS "{name}_app";""", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresServer + ";Database=postgres");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a virtual host with full permissions for the test user, through the management API.</summary>
    public async Task CreateVirtualHostAsync(string name)
    {
        using var http = Management();
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/permissions/{name}/{RabbitUser}", permissions)).EnsureSuccessStatusCode();
    }

    /// <summary>A broker user of its own (a service's login) with full permissions on <paramref name="virtualHost"/>.</summary>
    public async Task CreateUserAsync(string user, string password, string virtualHost)
    {
        using var http = Management();
        using var body = new StringContent(JsonSerializer.Serialize(new { password, tags = "" }), Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/users/{Uri.EscapeDataString(user)}", body)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/permissions/{virtualHost}/{Uri.EscapeDataString(user)}", permissions)).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> (JSON) to <paramref name="exchange"/> through the management API, as the test
    /// user, with the given AMQP properties (<c>content_type</c>, <c>message_id</c>, <c>user_id</c>, ...); true when routed.
    /// </summary>
    public async Task<bool> PublishAsync(string virtualHost, string exchange, string payload, IDictionary<string, string> properties)
    {
        using var http = Management();
        var request = new { properties, routing_key = "", payload, payload_encoding = "string" };
        using var body = new StringContent(JsonSerializer.Serialize(request), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"api/exchanges/{virtualHost}/{Uri.EscapeDataString(exchange)}/publish", body);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("routed").GetBoolean();
    }

    public async Task DeleteUserAsync(string user)
    {
        using var http = Management();
        await http.DeleteAsync($"api/users/{Uri.EscapeDataString(user)}");
    }

    public async Task DeleteVirtualHostAsync(string name)
    {
        using var http = Management();
        await http.DeleteAsync($"api/vhosts/{name}");
    }

    /// <summary>Messages waiting in a queue of the virtual host (for example an <c>_error</c> queue); 0 if it does not exist.</summary>
    public async Task<int> QueueDepthAsync(string virtualHost, string queue)
    {
        using var http = Management();
        using var response = await http.GetAsync($"api/queues/{virtualHost}/{queue}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("messages", out var messages) ? messages.GetInt32() : 0;
    }

    /// <summary>The messages parked in the virtual host's <c>_error</c> queues, by queue (only those holding some).</summary>
    public async Task<IReadOnlyDictionary<string, int>> ParkedMessagesAsync(string virtualHost)
    {
        using var http = Management();
        using var response = await http.GetAsync($"api/queues/{virtualHost}?columns=name,messages");
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray()
            .Select(q => (Name: q.GetProperty("name").GetString()!, Messages: q.TryGetProperty("messages", out var m) ? m.GetInt32() : 0))
            .Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ToDictionary(q => q.Name, q => q.Messages);
    }

    /// <summary>
    /// Takes the broker away from the virtual host's clients without losing its queues: no new connection is allowed
    /// (a max-connections limit of 0) and the open ones are closed. <see cref="UnblockConnectionsAsync"/> lifts it.
    /// </summary>
    public async Task BlockConnectionsAsync(string virtualHost)
    {
        using var http = Management();
        using var limit = new StringContent("""{"value":0}""", Encoding.UTF8, "application/json");
        (await http.PutAsync($"api/vhost-limits/{virtualHost}/max-connections", limit)).EnsureSuccessStatusCode();
        // The management API lists a connection some seconds after it opens: wait until the clients' show, close them,
        // and go on until none is left.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var closed = 0;
        while (true)
        {
            using var response = await http.GetAsync($"api/vhosts/{virtualHost}/connections");
            response.EnsureSuccessStatusCode();
            using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var names = json.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
            if (names.Count == 0 && closed > 0)
            {
                return;
            }

            foreach (var name in names)
            {
                (await http.DeleteAsync($"api/connections/{Uri.EscapeDataString(name)}")).EnsureSuccessStatusCode();
                closed++;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The connections of {virtualHost} did not close ({names.Count} left, {closed} closed)");
            }

            await Task.Delay(200);
        }
    }

    public async Task UnblockConnectionsAsync(string virtualHost)
    {
        using var http = Management();
        (await http.DeleteAsync($"api/vhost-limits/{virtualHost}/max-connections")).EnsureSuccessStatusCode();
    }

    private HttpClient Management()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{RabbitHost}:{RabbitManagementPort}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}")));
        return http;
    }
}
