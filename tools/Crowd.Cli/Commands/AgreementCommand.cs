namespace Crowd.Cli.Commands;

/// <summary><c>crowd agreement --metric M --input FILE</c>: inter-annotator agreement over a long-format CSV.</summary>
public static class AgreementCommand
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("agreement: not built yet");
        return 2;
    }
}
