using Crowd.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Crowd.Services.Tests.ServiceDefaults;

/// <summary>What Production refuses to start with (issue 10, point 8); the process-level refusal is ProductionStartTests.</summary>
public class ProductionSafetyTests
{
    private static readonly string StrongKey = Convert.ToBase64String(new byte[32]);

    [Test]
    public void UnsafeSettings_TheDevelopmentDefaults_AreEachNamed()
    {
        var found = ProductionSafety.UnsafeSettings(Configuration(new()
        {
            ["ConnectionStrings:Database"] = "Host=db;Username=crowd;Password=crowd",
            ["Auth:SigningKey"] = Convert.ToBase64String(new byte[16]),
        }));

        Assert.That(found, Has.Count.EqualTo(3));
        Assert.That(found, Has.Some.Contains("ConnectionStrings:Database"));
        Assert.That(found, Has.Some.Contains("RabbitMq:Password"), "unset: RabbitMqOptions' default is the development password");
        Assert.That(found, Has.Some.Contains("16 bytes"));
    }

    [Test]
    public void UnsafeSettings_AMissingKeyAndAPasswordlessMigrationsLogin_AreNamed()
    {
        var found = ProductionSafety.UnsafeSettings(Configuration(new()
        {
            ["ConnectionStrings:Database"] = "Host=db;Username=crowd_payouts_app;Password=s3cret-from-the-vault",
            ["ConnectionStrings:Migrations"] = "Host=db;Username=crowd_payouts_owner",
            ["RabbitMq:Password"] = "another-s3cret",
        }));

        Assert.That(found, Has.Count.EqualTo(2));
        Assert.That(found, Has.Some.Contains("ConnectionStrings:Migrations"));
        Assert.That(found, Has.Some.Contains("missing"));
    }

    [Test]
    public void UnsafeSettings_RealSecrets_AreNone() =>
        Assert.That(ProductionSafety.UnsafeSettings(Configuration(new()
        {
            ["ConnectionStrings:Database"] = "Host=db;Username=crowd_payouts_app;Password=s3cret-from-the-vault",
            ["RabbitMq:Password"] = "another-s3cret",
            ["Auth:SigningKey"] = StrongKey,
        })), Is.Empty);

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
