namespace Crowd.Cli.Commands;

/// <summary><c>crowd aggregate --method M --input FILE</c>: one label per item from crowd labels.</summary>
public static class AggregateCommand
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("aggregate: not built yet");
        return 2;
    }
}
