namespace Crowd.Cli.Commands;

/// <summary>Bad command-line usage: the message is one line fit for stderr.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary><c>--name value</c> options; every option takes exactly one value and may appear once.</summary>
internal sealed class CliOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private CliOptions()
    {
    }

    public static CliOptions Parse(string[] args, string usage, params string[] allowed)
    {
        var options = new CliOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !allowed.Contains(name[2..]))
            {
                throw new UsageException($"unknown argument '{name}'; usage: {usage}");
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"option {name} needs a value; usage: {usage}");
            }

            if (!options._values.TryAdd(name[2..], args[++i]))
            {
                throw new UsageException($"option {name} given twice");
            }
        }

        return options;
    }

    public string Required(string name, string usage) =>
        _values.TryGetValue(name, out var v) ? v : throw new UsageException($"missing --{name}; usage: {usage}");

    public string? Optional(string name) => _values.GetValueOrDefault(name);
}
