using System.Globalization;
using Crowd.Bench;
using Crowd.Bench.Assignment;
using Crowd.Bench.Audit;
using Crowd.Bench.Load;
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
    "six-workers" => SixWorkerBatchSimulator.Run(),
    "revisit-speed" => RevisitSpeedBench.Run(),
    "smoothing" => SmoothingBench.Run(dataRoot),
    "write-synthetic" => WriteSynthetic(args.Length > 1 ? args[1] : "synthetic"),
    "relay-lag" => await RelayLagBenchmark.RunAsync(),
    "audit-chain" => await AuditChainBenchmark.RunAsync(),
    "coco-rle" => CocoRleBench.Run(),
    "slicing-scale" => await SlicingScaleBenchmark.RunAsync(),
    "slicing-refusals" => SlicingScaleBenchmark.RunRefusals(),
    "items-export" => await ItemsExportBenchmark.RunAsync(),
    "claims-scale" => await ClaimsScaleBenchmark.RunAsync([.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))]),
    "load" => await GatewayLoadBenchmark.RunAsync(args[1..]),
    "raw-claims" => await RawClaimsBaseline.RunAsync(args[1..]),
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
    Console.Error.WriteLine("usage: Crowd.Bench ds | ds-memory | quality [data-folder] | smoothing [data-folder] | simulate | six-workers | revisit-speed | write-synthetic [prefix] | relay-lag | audit-chain | coco-rle | slicing-scale | slicing-refusals | items-export | claims-scale [open tasks...]\n" +
        "       | load [--workers 500] [--connections 8] [--seconds 20] [--warmup 3] [--claims-only] [--items 20000|50000] [--raw-tasks 150000] [--gateway URL] [--key-file F]\n" +
        "       | raw-claims [--workers N] [--connections 8] [--seconds 20] [--warmup 3] [--claims-only] [--raw-tasks 150000]");
    return 2;
}
