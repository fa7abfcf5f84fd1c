using Crowd.Cli.Commands;

// The command-line client behind ./crowd. Each command is one class in Commands/; exit code 2 means bad input.
var commands = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["agreement"] = a => Task.FromResult(AgreementCommand.Run(a)),
    ["aggregate"] = a => Task.FromResult(AggregateCommand.Run(a)),
    ["token"] = a => Task.FromResult(TokenCommand.Run(a)),
    ["demo"] = DemoCommand.RunAsync,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    await Console.Error.WriteLineAsync($"usage: crowd-cli <{string.Join('|', commands.Keys)}> [options]");
    return 2;
}

return await command(args[1..]);
