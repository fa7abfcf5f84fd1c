using Crowd.Testing;

namespace Crowd.Data.Tests.Messaging;

/// <summary>Each test gets a database and a RabbitMQ virtual host of its own, dropped after it.</summary>
public abstract class MessagingFixture
{
    private string _database = null!;

    protected string ConnectionString { get; private set; } = null!;

    protected string VirtualHost { get; private set; } = null!;

    [SetUp]
    public async Task CreateDatabaseAndVirtualHostAsync()
    {
        _database = TestInfrastructure.UniqueName("data");
        VirtualHost = TestInfrastructure.UniqueName("vh");
        ConnectionString = await TestInfrastructure.CreateDatabaseAsync(_database);
        await TestInfrastructure.CreateVirtualHostAsync(VirtualHost);
    }

    [TearDown]
    public async Task DropDatabaseAndVirtualHostAsync()
    {
        await TestInfrastructure.DropDatabaseAsync(_database);
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
    }
}
