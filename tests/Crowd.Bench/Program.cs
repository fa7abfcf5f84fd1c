using Crowd.Bench;

// Benchmarks and quality tables for the consensus engine: dotnet run -c Release --project tests/Crowd.Bench -- <name>
var name = args.Length > 0 ? args[0] : "help";
var dataRoot = args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data");
return name switch
{
    "quality" => QualityBench.Run(dataRoot),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Crowd.Bench <quality [data-folder]>");
    return 2;
}
