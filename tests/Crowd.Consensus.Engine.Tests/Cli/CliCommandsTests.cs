namespace Crowd.Consensus.Engine.Tests.Cli;

/// <summary>
/// The CLI as people expect (issue 11, point 6): <c>--help</c> prints the command's usage and runs nothing, and an option
/// the command does not know is an error naming it, instead of a run with the defaults.
/// </summary>
public class CliCommandsTests
{
    [TestCase("demo", "usage: crowd demo [--items")]
    [TestCase("token", "usage: crowd token --role")]
    [TestCase("agreement", "usage: crowd agreement --metric")]
    [TestCase("aggregate", "usage: crowd aggregate --method")]
    public void Help_PrintsTheCommandsUsage_AndRunsNothing(string command, string usage)
    {
        foreach (var help in new[] { "--help", "-h" })
        {
            // With --items 5 beside it the demo would run a marketplace, were --help not first to be obeyed.
            var (code, stdout, stderr) = CliRunner.Run(command, "--items", "5", help);

            Assert.That(code, Is.Zero, stderr);
            Assert.That(stdout, Does.StartWith(usage));
            Assert.That(stderr, Is.Empty);
        }
    }

    [TestCase("demo", "--itmes", "5")]
    [TestCase("token", "--subject", "x")]
    [TestCase("agreement", "--metrics", "fleiss")]
    [TestCase("demo", "items", "5")]
    public void UnknownOption_IsAnErrorNamingIt(string command, string option, string value)
    {
        var (code, stdout, stderr) = CliRunner.Run(command, option, value);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"unknown option '{option}'").And.Contain("usage:"));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public void Options_GivenTwiceOrWithoutAValueOrNotANumber_AreErrorsNamingThem()
    {
        Assert.That(CliRunner.Run("token", "--role", "qa", "--sub", "a", "--sub", "b").Err, Does.Contain("--sub given twice"));
        Assert.That(CliRunner.Run("demo", "--items").Err, Does.Contain("--items needs a value"));
        Assert.That(CliRunner.Run("demo", "--items", "five").Err, Does.Contain("--items takes a whole number, not 'five'"));
    }

    [Test]
    public void Token_RepeatedRoles_AreAllInTheToken()
    {
        var runner = new CliRunner();
        try
        {
            var key = runner.File("jwt.key", Convert.ToBase64String(new byte[32]));

            var (code, stdout, stderr) = CliRunner.Run("token", "--role", "qa", "--role", "worker", "--sub", "w-1", "--key-file", key);

            Assert.That(code, Is.Zero, stderr);
            var payload = stdout.Trim().Split('.')[1];
            var json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=').Replace('-', '+').Replace('_', '/')));
            Assert.That(json, Does.Contain("\"qa\"").And.Contain("\"worker\"").And.Contain("\"w-1\""));
        }
        finally
        {
            runner.Delete();
        }
    }
}
