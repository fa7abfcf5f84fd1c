using System.Diagnostics;
using System.Globalization;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Bench;

/// <summary>Dawid-Skene throughput on the synthetic million labels, pinned to one core, against baselines in the same process.</summary>
internal static class SpeedBench
{
    public static int Run()
    {
        PinToOneCore();
        var sw = Stopwatch.StartNew();
        var synthetic = Synthetic.Generate();
        var data = synthetic.ToLabels();
        Console.WriteLine(Invariant($"synthetic: {data.Count:N0} labels, {data.ItemCount:N0} tasks, {data.WorkerCount:N0} workers, {data.ClassCount} classes (generated in {sw.Elapsed.TotalSeconds:0.00} s)"));

        // Warm-up so the JIT has tiered up before anything is timed.
        DawidSkene.Run(data, new EmOptions { MaxIterations = 3, Tolerance = 0 });
        MajorityVote.Run(data);

        const int fixedIterations = 50;
        var best = double.MaxValue;
        for (var rep = 0; rep < 3; rep++)
        {
            sw.Restart();
            DawidSkene.Run(data, new EmOptions { MaxIterations = fixedIterations, Tolerance = 0 });
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }

        var rate = data.Count * (double)fixedIterations / best;
        Console.WriteLine(Invariant($"DS, {fixedIterations} iterations: {best:0.000} s = {rate / 1e6:0.0} M label-iterations/s ({best / fixedIterations * 1000:0.00} ms per iteration)"));

        sw.Restart();
        var converged = DawidSkene.Run(data);
        var convergedSeconds = sw.Elapsed.TotalSeconds;
        var accuracy = Accuracy(converged.Result.Labels, synthetic.Truth);
        Console.WriteLine(Invariant($"DS to convergence (tolerance 1e-7): {converged.Result.Iterations} iterations, {convergedSeconds:0.000} s, accuracy vs generating truth {accuracy:0.0000}"));

        var mvBest = double.MaxValue;
        AggregationResult? mv = null;
        for (var rep = 0; rep < 3; rep++)
        {
            sw.Restart();
            mv = MajorityVote.Run(data);
            mvBest = Math.Min(mvBest, sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine(Invariant($"MV (one pass): {mvBest * 1000:0.0} ms = {data.Count / mvBest / 1e6:0.0} M labels/s, accuracy {Accuracy(mv!.Labels, synthetic.Truth):0.0000}; one DS iteration costs {best / fixedIterations / mvBest:0.00}x one MV pass"));

        var rows = new List<(int, int, int)>(data.Count);
        for (var r = 0; r < synthetic.Items.Length; r++)
        {
            rows.Add((synthetic.Items[r], synthetic.WorkerOf[r], synthetic.Labels[r]));
        }

        const int naiveIterations = 3;
        sw.Restart();
        NaiveDawidSkene.Run(rows, Synthetic.Classes, naiveIterations);
        var naiveSeconds = sw.Elapsed.TotalSeconds;
        var naiveRate = data.Count * (double)naiveIterations / naiveSeconds;
        Console.WriteLine(Invariant($"naive DS baseline, {naiveIterations} iterations: {naiveSeconds:0.00} s = {naiveRate / 1e6:0.00} M label-iterations/s; engine is {rate / naiveRate:0.0}x faster"));

        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(Invariant($"memory: peak working set {process.PeakWorkingSet64 / (1024.0 * 1024):0} MiB (whole process, including the naive baseline), managed heap now {GC.GetTotalMemory(false) / (1024.0 * 1024):0} MiB"));
        return 0;
    }

    /// <summary>Peak memory of DS alone, in a fresh process (run separately so the baselines do not count).</summary>
    public static int Memory()
    {
        PinToOneCore();
        var data = Synthetic.Generate().ToLabels();
        var before = GC.GetTotalAllocatedBytes(true);
        var fit = DawidSkene.Run(data);
        var allocated = GC.GetTotalAllocatedBytes(true) - before;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(Invariant($"DS ({fit.Result.Iterations} iterations): allocated {allocated / (1024.0 * 1024):0.0} MiB during the fit; peak working set of the process {process.PeakWorkingSet64 / (1024.0 * 1024):0} MiB (data generation included)"));
        return 0;
    }

    public static double Accuracy(ReadOnlySpan<int> labels, int[] truth)
    {
        var correct = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            correct += labels[i] == truth[i] ? 1 : 0;
        }

        return correct / (double)truth.Length;
    }

    private static void PinToOneCore()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1;
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
