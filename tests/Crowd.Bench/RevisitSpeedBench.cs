using System.Globalization;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Online;

namespace Crowd.Bench;

/// <summary>
/// Issue 9's target for revisiting at scale: Dawid-Skene over a batch of 100,000 tasks (5 annotations each by 250
/// workers, 4 classes), started from learned accuracies, and the disputed list, within 2 s. Five runs, each timed.
/// </summary>
internal static class RevisitSpeedBench
{
    public static int Run()
    {
        const int Tasks = 100_000;
        const int PerTask = 5;
        const int Workers = 250;
        const int Classes = 4;
        var rng = new Random(7);
        var accuracy = Enumerable.Range(0, Workers).Select(_ => 0.5 + (0.45 * rng.NextDouble())).ToArray();
        var truth = Enumerable.Range(0, Tasks).Select(_ => rng.Next(Classes)).ToArray();
        var items = new int[Tasks * PerTask];
        var workers = new int[Tasks * PerTask];
        var labels = new int[Tasks * PerTask];
        for (var r = 0; r < items.Length; r++)
        {
            items[r] = r / PerTask;
            workers[r] = rng.Next(Workers);
            labels[r] = rng.NextDouble() < accuracy[workers[r]] ? truth[items[r]] : rng.Next(Classes);
        }

        var batch = CrowdLabels.Create(Tasks, Workers, Classes, items, workers, labels);
        var decided = Enumerable.Range(0, Tasks).Select(i => rng.NextDouble() < 0.05 ? (truth[i] + 1) % Classes : truth[i]).ToArray();
        var times = new List<double>();
        IReadOnlyList<DisputedItem> disputed = [];
        for (var run = 0; run < 5; run++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            disputed = Revisit.Dispute(batch, decided, accuracy);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var planted = Enumerable.Range(0, Tasks).Count(i => decided[i] != truth[i]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"revisit: Dawid-Skene over {Tasks:N0} tasks x {PerTask} annotations, {Workers} workers, {Classes} classes: " +
            $"{times.Min():0.00} to {times.Max():0.00} s over 5 runs (target 2 s); {disputed.Count:N0} labels disputed, " +
            $"{disputed.Count(d => decided[d.Item] != truth[d.Item]):N0} of the {planted:N0} planted wrong among them"));
        return 0;
    }
}
