using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Online;

namespace Crowd.Bench;

/// <summary>
/// The platform's own rule (<see cref="DynamicRedundancy"/>, as the simulated medical crowd runs it) replayed on a
/// recorded dataset: items in file order, each item's recorded labels taken one at a time in file order as if those
/// workers had answered in that order, until the item is accepted, reaches its budget or has no label left; then
/// revisiting, where a disputed item takes its next recorded label if it has one. One-coin reliabilities start at the
/// new-worker prior and learn only from accepted items: a recorded dataset has no gold tasks, and its truth is what is
/// scored, so none of it is shown to the rule. The platform's suspension applies: a suspended worker's later labels are
/// skipped, as the platform would not have assigned them, and are not counted as used.
/// </summary>
internal static class RecordedReplay
{
    /// <summary>Labels of every item after the online pass and after revisiting, and the recorded labels each used.</summary>
    public sealed record Result(int[] Online, int OnlineLabelsUsed, int[] Revisited, int RevisitedLabelsUsed, int Escalated, int Suspended);

    public static Result Run(CrowdLabels data, int min, int max, double threshold)
    {
        var itemStart = data.ItemStart.ToArray();
        var workers = data.Workers.ToArray();
        var labels = data.Labels.ToArray();
        var nextRow = itemStart[..^1];
        var ledger = new WorkerLedger(
            [.. Enumerable.Repeat<WorkerReliability>(OneCoinReliability.NewWorker, data.WorkerCount)], data.ClassCount, Suspension.Platform);

        (int Worker, int Label)? NextRecorded(int item, IReadOnlyList<(int Worker, int Label)> votes)
        {
            while (nextRow[item] < itemStart[item + 1])
            {
                var row = nextRow[item]++;
                if (!ledger.IsSuspended(workers[row]))
                {
                    return (workers[row], labels[row]);
                }
            }

            return null;
        }

        var run = new DynamicRedundancy(data.ItemCount, data.ClassCount, min, max, threshold, ledger, NextRecorded);
        run.DecideAll();
        var online = (int[])run.Decided.Clone();
        var onlineLabelsUsed = run.Annotations;
        run.RevisitUntilSettled();
        return new Result(
            online, onlineLabelsUsed, run.Decided, run.Annotations, run.Escalated.Count(e => e),
            Enumerable.Range(0, data.WorkerCount).Count(ledger.IsSuspended));
    }
}
