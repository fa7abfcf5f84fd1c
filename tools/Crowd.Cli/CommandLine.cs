using System.Globalization;
using Crowd.Cli.Commands;

namespace Crowd.Cli;

/// <summary>What a command accepts: options that take a value (some may repeat) and flags that stand alone.</summary>
/// <param name="Usage">The command's usage line, shown with every refusal and for <c>--help</c>.</param>
public sealed record CommandSyntax(string Usage, string[] Options, string[]? Repeatable = null, string[]? Flags = null);

/// <summary>
/// The command line of every command, parsed strictly: <c>--name value</c> for the syntax's options (once each, unless
/// repeatable), <c>--flag</c> for its flags, <c>--help</c> or <c>-h</c> (anywhere) for its usage. Anything else is a
/// <see cref="UsageException"/> that names it: a mistyped option must not run a demo with the defaults.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly CommandSyntax _syntax;

    private CommandLine(CommandSyntax syntax) => _syntax = syntax;

    /// <summary>True when <c>--help</c> or <c>-h</c> was given: the caller prints <see cref="CommandSyntax.Usage"/> and does nothing else.</summary>
    public bool HelpRequested { get; private set; }

    public static CommandLine Parse(IReadOnlyList<string> args, CommandSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(syntax);
        var line = new CommandLine(syntax);
        // Asking for help is answered whatever else is on the line: the usage is what someone unsure of it needs.
        if (args.Any(argument => argument is "--help" or "-h"))
        {
            line.HelpRequested = true;
            return line;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];

            var name = argument.StartsWith("--", StringComparison.Ordinal) ? argument[2..] : null;
            if (name is not null && syntax.Flags?.Contains(name) == true)
            {
                line.Add(name, "true");
                continue;
            }

            if (name is null || !syntax.Options.Contains(name))
            {
                throw new UsageException($"unknown option '{argument}'; usage: {syntax.Usage}");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"option {argument} needs a value; usage: {syntax.Usage}");
            }

            if (line._values.ContainsKey(name) && syntax.Repeatable?.Contains(name) != true)
            {
                throw new UsageException($"option {argument} given twice; usage: {syntax.Usage}");
            }

            line.Add(name, args[++i]);
        }

        return line;
    }

    public string? One(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public bool Flag(string name) => _values.ContainsKey(name);

    public string Required(string name) =>
        One(name) ?? throw new UsageException($"missing --{name}; usage: {_syntax.Usage}");

    /// <summary>The option's whole number, <paramref name="fallback"/> when absent; anything else is a usage error naming it.</summary>
    public int Number(string name, int fallback) =>
        One(name) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"--{name} takes a whole number, not '{text}'; usage: {_syntax.Usage}");

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
        }

        list.Add(value);
    }
}
