using System.Globalization;
using Crowd.Bench;
using Crowd.Bench.Assignment;
using Crowd.Bench.Audit;
using Crowd.Bench.Messaging;
using Crowd.Bench.Slicing;

// Benchmarks and quality tables: ./crowd bench <name> (dotnet run -c Release --project tests/Crowd.Bench -- <name>).
var name = args.Length > 0 ? args[0] : "help";
var dataRoot = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "data");
return name switch
{
    "ds" => SpeedBench.Run(),
    "ds-memory" => SpeedBench.Memory(),
    "quality" => QualityBench.Run(dataRoot),
    "simulate" => MedicalCrowdSimulator.Run(),
    "smoothing" => SmoothingBench.Run(dataRoot),
    "write-synthetic" => WriteSynthetic(args.Length > 1 ? args[1] : "synthetic"),
    "relay-lag" => await RelayLagBenchmark.RunAsync(),
    "audit-chain" => await AuditChainBenchmark.RunAsync(),
    "coco-rle" => CocoRleBench.Run(),
    "slicing-scale" => await SlicingScaleBenchmark.RunAsync(),
    "slicing-refusals" => SlicingScaleBenchmark.RunRefusals(),
    "items-export" => await ItemsExportBenchmark.RunAsync(),
    "claims-scale" => await ClaimsScaleBenchmark.RunAsync([.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))]),
    _ => Usage(),
};

static int WriteSynthetic(string prefix)
{
    Synthetic.Generate().WriteCsv($"{prefix}-labels.csv", $"{prefix}-truth.csv");
    Console.WriteLine($"wrote {prefix}-labels.csv and {prefix}-truth.csv");
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Crowd.Bench ds | ds-memory | quality [data-folder] | smoothing [data-folder] | simulate | write-synthetic [prefix] | relay-lag | audit-chain | coco-rle | slicing-scale | slicing-refusals | items-export | claims-scale [open tasks...]");
    return 2;
}
