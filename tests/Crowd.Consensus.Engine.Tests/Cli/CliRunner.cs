using Crowd.Cli.Commands;
using System.Text;

namespace Crowd.Consensus.Engine.Tests.Cli;

/// <summary>Runs a CLI command in-process with stdout and stderr captured, and writes temporary CSV files.</summary>
internal sealed class CliRunner
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "crowd-cli-tests-" + Guid.NewGuid().ToString("N"));

    public CliRunner() => Directory.CreateDirectory(_dir);

    public string File(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>Runs <c>crowd-cli</c> with <paramref name="args"/> (the command first), as its Program does.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = Console.Out;
        var stderr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            var code = CliCommands.RunAsync(args).GetAwaiter().GetResult();
            return (code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    public void Delete() => Directory.Delete(_dir, recursive: true);
}
