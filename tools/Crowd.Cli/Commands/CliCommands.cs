namespace Crowd.Cli.Commands;

/// <summary>
/// Every command of the CLI with its syntax, and the one way they are run: the command line is parsed strictly for
/// all of them, <c>--help</c> prints the command's usage and runs nothing, and a bad option is a one-line error and exit 2.
/// </summary>
public static class CliCommands
{
    private static readonly Dictionary<string, (CommandSyntax Syntax, Func<CommandLine, Task<int>> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["agreement"] = (AgreementCommand.Syntax, line => Task.FromResult(AgreementCommand.Run(line))),
        ["aggregate"] = (AggregateCommand.Syntax, line => Task.FromResult(AggregateCommand.Run(line))),
        ["token"] = (TokenCommand.Syntax, line => Task.FromResult(TokenCommand.Run(line))),
        ["demo"] = (DemoCommand.Syntax, DemoCommand.RunAsync),
    };

    /// <summary>Runs <c>args[0]</c> with the rest of <paramref name="args"/>; the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            await Console.Error.WriteLineAsync($"usage: crowd-cli <{string.Join('|', Commands.Keys)}> [options] (--help for a command's)");
            return 2;
        }

        try
        {
            var line = CommandLine.Parse(args[1..], command.Syntax);
            if (line.HelpRequested)
            {
                Console.WriteLine($"usage: {command.Syntax.Usage}");
                return 0;
            }

            return await command.Run(line);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"{args[0]}: {e.Message}");
            return 2;
        }
    }
}
