using System.Diagnostics;
using Crowd.EndToEnd.Tests.Infrastructure;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// The <c>./crowd</c> script as people expect (issue 11, point 6), run as a new user would: <c>--help</c> after any
/// command prints that command's usage and starts nothing; an option it does not know is refused, named, before anything
/// starts. Nothing here needs the platform: were the demo to start, its first line would say so.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class CrowdScriptTests
{
    [TestCase("demo", "demo [--items 200] [--seed 7]")]
    [TestCase("up", "up [--replicas N]")]
    [TestCase("bench", "bench NAME [args]")]
    [TestCase("psql", "psql DATABASE [psql args]")]
    public async Task CommandHelp_PrintsItsUsageOnly_AndStartsNothing(string command, string usage)
    {
        var (code, stdout, stderr) = await CrowdAsync(command, "--items", "5", "--help");

        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain(usage));
        Assert.That(stdout, Does.Not.Contain("clean "), "that command's usage, not every command's");
        Assert.That(stderr, Does.Not.Contain("starting").And.Not.Contain("building"));
    }

    [TestCase("demo", "--itmes", "unknown option '--itmes'")]
    [TestCase("up", "--replica", "unknown option '--replica'")]
    [TestCase("down", "now", "unknown argument 'now'")]
    public async Task UnknownOption_IsRefusedNamingIt_BeforeAnythingStarts(string command, string option, string message)
    {
        var (code, _, stderr) = await CrowdAsync(command, option, "3");

        Assert.That(code, Is.Not.Zero);
        Assert.That(stderr, Does.Contain(message));
        Assert.That(stderr, Does.Not.Contain("starting").And.Not.Contain("building"));
    }

    private static async Task<(int Code, string Out, string Err)> CrowdAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(CrowdProcesses.RepositoryRoot, "crowd"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = CrowdProcesses.RepositoryRoot,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
