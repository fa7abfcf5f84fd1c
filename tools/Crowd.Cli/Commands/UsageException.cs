namespace Crowd.Cli.Commands;

/// <summary>Bad command-line usage: the message is one line fit for stderr, and the exit code is 2.</summary>
public sealed class UsageException(string message) : Exception(message);
