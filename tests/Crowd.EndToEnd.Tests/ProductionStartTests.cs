using System.Diagnostics;
using Crowd.EndToEnd.Tests.Infrastructure;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10, point 8, on the real binary: a service started with <c>ASPNETCORE_ENVIRONMENT=Production</c> and the
/// development credentials and a short JWT key does not start, and says why.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ProductionStartTests
{
    [Test]
    public async Task Payouts_InProductionWithTheDevelopmentDefaults_RefusesToStartNamingEachOne()
    {
        var dll = Path.Combine(CrowdProcesses.RepositoryRoot, "services", "Crowd.Payouts", "bin", "Release", "net10.0", "Crowd.Payouts.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__Database"] = "Host=127.0.0.1;Port=1;Database=crowd_payouts;Username=crowd;Password=crowd";
        start.Environment["Auth__SigningKey"] = Convert.ToBase64String(new byte[16]);

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var said = await output + await errors;

        Assert.That(process.ExitCode, Is.Not.Zero, said);
        Assert.That(said, Does.Contain("Refusing to start in Production")
            .And.Contain("ConnectionStrings:Database").And.Contain("RabbitMq:Password").And.Contain("16 bytes"));
    }
}
