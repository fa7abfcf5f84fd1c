using System.Globalization;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Online;

namespace Crowd.Bench;

/// <summary>
/// Issue 9's six-worker batch, seeded: 30 items of two classes, redundancy 3 to 5, acceptance threshold 0.6, worked by
/// six workers (four always right, two answering at random) in the order they happen to claim. Today's rule decides
/// each item online; with revisiting, once every item is decided Dawid-Skene over the batch (started from the learned
/// accuracies) disputes labels, and each disputed item gets more annotations, up to redundancy.max + 2, and is decided
/// again with what is known then; an item still disputed with its budget spent goes to QA (counted right: a reviewer
/// settles it). Repeated until no label changes. Prints, over 100 seeds, the accuracy and the runs at 0.95 or better.
/// </summary>
internal static class SixWorkerBatchSimulator
{
    private const int Items = 30;
    private const int Classes = 2;
    private const int Good = 4;
    private const int Workers = 6;
    private static readonly DecisionPolicy Policy = new(3, 5, 0.6);

    public static int Run(int seeds = 100)
    {
        foreach (var revisit in new[] { false, true })
        {
            var accuracies = new List<double>();
            var annotations = 0;
            var escalated = 0;
            for (var seed = 1; seed <= seeds; seed++)
            {
                var run = RunBatch(new Random(seed), revisit);
                accuracies.Add(run.Accuracy);
                annotations += run.Annotations;
                escalated += run.Escalated;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(revisit ? "with revisiting" : "today's rule   ")}: accuracy mean {accuracies.Average():0.000}, min {accuracies.Min():0.000}; " +
                $"runs at >= 0.95: {accuracies.Count(a => a >= 0.95)} of {seeds}; annotations per item {annotations / (double)(seeds * Items):0.00}; " +
                $"to QA per run {escalated / (double)seeds:0.00}"));
        }

        return 0;
    }

    private sealed record BatchRun(double Accuracy, int Annotations, int Escalated);

    private static BatchRun RunBatch(Random rng, bool revisit)
    {
        var truth = Enumerable.Range(0, Items).Select(_ => rng.Next(Classes)).ToArray();
        var reliability = Enumerable.Range(0, Workers).Select(_ => (WorkerReliability)OneCoinReliability.NewWorker).ToArray();
        var votes = Enumerable.Range(0, Items).Select(_ => new List<(int Worker, int Label)>()).ToArray();
        var decided = Enumerable.Repeat(-1, Items).ToArray();
        var toQa = new bool[Items];
        var budget = Enumerable.Repeat(Policy.MaxAnnotations, Items).ToArray();
        var judged = new int[Items]; // how many of the item's votes have taught their workers: each teaches once, as in the service

        int Answer(int worker, int item) => worker < Good ? truth[item] : rng.Next(Classes);

        // Decides an item online with today's reliabilities, asking the next worker who has not labelled it while undecided.
        void Decide(int item)
        {
            while (true)
            {
                var decision = OnlineDecision.Decide(
                    [.. votes[item].Select(v => new Vote(v.Label, reliability[v.Worker]))], Classes,
                    new DecisionPolicy(Policy.MinAnnotations, budget[item], Policy.AcceptanceThreshold));
                if (decision.Outcome != DecisionOutcome.More)
                {
                    decided[item] = decision.Candidate;
                    toQa[item] = decision.Outcome == DecisionOutcome.Escalate;
                    if (!toQa[item])
                    {
                        foreach (var (worker, label) in votes[item].Skip(judged[item]))
                        {
                            reliability[worker] = reliability[worker].Observe(label, decision.Posterior.ToArray());
                        }

                        judged[item] = votes[item].Count;
                    }

                    return;
                }

                var free = Enumerable.Range(0, Workers).Where(w => votes[item].All(v => v.Worker != w)).ToList();
                var next = free[rng.Next(free.Count)];
                votes[item].Add((next, Answer(next, item)));
            }
        }

        // The workers claim in the order they happen to: items are worked in a random order, each by whoever comes next.
        foreach (var item in Enumerable.Range(0, Items).OrderBy(_ => rng.Next()))
        {
            Decide(item);
        }

        while (revisit)
        {
            var batch = BatchVotes.ToCrowdLabels(votes, Workers, Classes);
            var disputed = Revisit.Dispute(batch, decided, [.. reliability.Select(r => r.ExpectedAccuracy(Classes))], Policy.AcceptanceThreshold)
                .Where(d => !toQa[d.Item]).ToList();
            if (disputed.Count == 0)
            {
                break;
            }

            foreach (var d in disputed)
            {
                if (votes[d.Item].Count >= Math.Min(Policy.MaxAnnotations + 2, Workers))
                {
                    toQa[d.Item] = true; // its budget spent, and still disputed: a reviewer decides
                    continue;
                }

                budget[d.Item] = Math.Min(Policy.MaxAnnotations + 2, Workers);
                var free = Enumerable.Range(0, Workers).Where(w => votes[d.Item].All(v => v.Worker != w)).ToList();
                var next = free[rng.Next(free.Count)];
                votes[d.Item].Add((next, Answer(next, d.Item)));
                Decide(d.Item);
            }
        }

        var correct = Enumerable.Range(0, Items).Count(i => toQa[i] || decided[i] == truth[i]);
        return new BatchRun(correct / (double)Items, votes.Sum(v => v.Count), toQa.Count(q => q));
    }
}

/// <summary>The simulators' votes per item, as the engine reads a batch.</summary>
internal static class BatchVotes
{
    public static CrowdLabels ToCrowdLabels(IReadOnlyList<List<(int Worker, int Label)>> votes, int workers, int classes) =>
        CrowdLabels.Create(
            votes.Count, workers, classes,
            [.. votes.SelectMany((v, i) => v.Select(_ => i))], [.. votes.SelectMany(v => v.Select(x => x.Worker))], [.. votes.SelectMany(v => v.Select(x => x.Label))]);
}
