using Crowd.Cli.Commands;

// The command-line client behind ./crowd: each command is one class in Commands/, all run by CliCommands.
return await CliCommands.RunAsync(args);
