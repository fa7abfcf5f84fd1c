using System.Globalization;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Aggregation;
using Crowd.Consensus.Engine.Online;

namespace Crowd.Bench;

/// <summary>
/// A seeded simulated medical crowd: 4 ordinal classes (normal, benign, suspicious, malignant) with a skewed prevalence,
/// 250 workers drawn from a realistic spread (experts, typical, weak, spammers, adversarial), each with a confusion
/// matrix whose errors fall mostly on neighbouring classes. Fixed k-vote majority is compared with the online decision
/// under dynamic redundancy, with reliabilities learned from gold tasks served at a 5% rate and from finalized labels.
/// </summary>
internal static class MedicalCrowdSimulator
{
    private const int Classes = 4;
    private const int WorkerCount = 250;
    private const int TaskCount = 10_000;
    private const double GoldRate = 0.05;
    private static readonly double[] Prevalence = [0.55, 0.25, 0.12, 0.08];

    public static int Run(int seeds = 5)
    {
        var policies = new (string Name, Func<Random, World, PolicyResult> Run)[]
        {
            ("fixed 3, majority vote", (rng, w) => Fixed(rng, w, 3, useDs: false)),
            ("fixed 5, majority vote", (rng, w) => Fixed(rng, w, 5, useDs: false)),
            ("fixed 5, batch Dawid-Skene (reference)", (rng, w) => Fixed(rng, w, 5, useDs: true)),
            ("dynamic one-coin, min 2, max 7, 0.95", (rng, w) => Dynamic(rng, w, 2, confusion: false)),
            ("dynamic one-coin, min 3, max 7, 0.95", (rng, w) => Dynamic(rng, w, 3, confusion: false)),
            ("dynamic confusion matrix, min 2, max 7, 0.95", (rng, w) => Dynamic(rng, w, 2, confusion: true)),
            ("dynamic confusion matrix, min 3, max 7, 0.95", (rng, w) => Dynamic(rng, w, 3, confusion: true)),
            ("fixed 5, majority vote + gold 5% + suspension", (rng, w) => Fixed(rng, w, 5, useDs: false, Suspension.Platform)),
            ("dynamic one-coin, min 2, max 7, 0.95 + suspension", (rng, w) => Dynamic(rng, w, 2, confusion: false, Suspension.Platform)),
            ("dynamic confusion matrix, min 2, max 7, 0.95 + suspension", (rng, w) => Dynamic(rng, w, 2, confusion: true, Suspension.Platform)),
            ("dynamic one-coin, min 2, max 7, 0.95 + point-estimate suspension", (rng, w) => Dynamic(rng, w, 2, confusion: false, Suspension.PointEstimate)),
            ("dynamic one-coin, min 2, max 7, 0.95 + suspension + revisiting", (rng, w) => Dynamic(rng, w, 2, confusion: false, Suspension.Platform, revisit: true)),
            ("dynamic one-coin, min 1, max 7, 0.95 + suspension + revisiting", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true)),
            ("dynamic one-coin, min 2, max 7, 0.9 + suspension + revisiting", (rng, w) => Dynamic(rng, w, 2, confusion: false, Suspension.Platform, revisit: true, threshold: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.9 + suspension + revisiting", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.9 + suspension + revisiting + a 90% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.9, modelAccuracy: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.88 + suspension + revisiting + a 90% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.88, modelAccuracy: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.87 + suspension + revisiting + a 90% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.87, modelAccuracy: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.85 + suspension + revisiting + a 90% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.85, modelAccuracy: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.95 + suspension + revisiting + a 90% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.95, modelAccuracy: 0.9)),
            ("dynamic one-coin, min 1, max 7, 0.95 + suspension + revisiting + a 70% model", (rng, w) => Dynamic(rng, w, 1, confusion: false, Suspension.Platform, revisit: true, threshold: 0.95, modelAccuracy: 0.7)),
        };

        var totals = new PolicyResult[policies.Length];
        for (var seed = 1; seed <= seeds; seed++)
        {
            var world = World.Create(new Random(seed));
            for (var p = 0; p < policies.Length; p++)
            {
                var r = policies[p].Run(new Random(1000 + seed), world);
                totals[p] = totals[p] is null ? r : totals[p].Add(r);
            }
        }

        var fixed5 = totals[1];
        Console.WriteLine(Invariant($"simulated medical crowd: {TaskCount:N0} tasks x {seeds} seeds, {WorkerCount} workers, {Classes} classes, prevalence {string.Join('/', Prevalence)}"));
        Console.WriteLine("| policy | accuracy | annotations per item | vs fixed 5 | + gold per item | total per item | total vs fixed 5 | escalated | suspended: under floor / 0.6-0.7 / fair (>= 0.7) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var p = 0; p < policies.Length; p++)
        {
            var t = totals[p];
            var perItem = t.Annotations / (double)t.Tasks;
            var goldPerItem = t.Gold / (double)t.Tasks;
            var total = perItem + goldPerItem;
            var fixedTotal = fixed5.Annotations / (double)fixed5.Tasks;
            Console.WriteLine(Invariant(
                $"| {policies[p].Name} | {t.Correct / (double)t.Tasks:0.0000} | {perItem:0.000} | {perItem / fixedTotal:0.000}x | {goldPerItem:0.000} | {total:0.000} | {total / fixedTotal:0.000}x | {100.0 * t.Escalated / t.Tasks:0.0}% | {t.Suspended} |"));
        }

        return 0;
    }

    private static PolicyResult Fixed(Random rng, World world, int k, bool useDs, Suspension? suspension = null)
    {
        var pool = new WorkerPool(rng, world, confusion: false, suspension);
        var items = new int[TaskCount * k];
        var workers = new int[TaskCount * k];
        var labels = new int[TaskCount * k];
        var chosen = new HashSet<int>();
        var r = 0;
        for (var i = 0; i < TaskCount; i++)
        {
            chosen.Clear();
            while (chosen.Count < k)
            {
                var w = suspension is not null ? pool.Next(chosen) : rng.Next(WorkerCount);
                if (chosen.Add(w))
                {
                    items[r] = i;
                    workers[r] = w;
                    labels[r] = world.Answer(rng, w, world.Truth[i]);
                    r++;
                }
            }
        }

        var data = CrowdLabels.Create(TaskCount, WorkerCount, Classes, items, workers, labels);
        var result = useDs ? DawidSkene.Run(data).Result : MajorityVote.Run(data);
        var correct = 0;
        for (var i = 0; i < TaskCount; i++)
        {
            correct += result.Label(i) == world.Truth[i] ? 1 : 0;
        }

        return new PolicyResult(TaskCount, correct, TaskCount * k, pool.Gold, 0, pool.SuspendedByTrueAccuracy());
    }

    /// <summary>
    /// Dynamic redundancy (<see cref="DynamicRedundancy"/>): each task is decided online as its annotations come, each
    /// annotation from a worker the pool draws. With <paramref name="revisit"/>, once every task is decided, the batch
    /// disputes labels and a disputed task gets one more annotation, up to max + 2, or escalates.
    /// With <paramref name="modelAccuracy"/>, a model pre-annotated every task (right with that probability, else one of
    /// the other classes at random) and votes as the service's does (README, "Model pre-annotations"): a one-coin voter
    /// from the new-worker prior, learned from each task's first final label, entered as the class prior, never counted
    /// toward min; it costs no annotation.
    /// </summary>
    private static PolicyResult Dynamic(
        Random rng, World world, int min, bool confusion, Suspension? suspension = null, bool revisit = false, double threshold = 0.95,
        double? modelAccuracy = null)
    {
        const int Max = 7;
        var pool = new WorkerPool(rng, world, confusion, suspension);
        var modelSays = modelAccuracy is { } accuracy
            ? world.Truth.Select(truth => rng.NextDouble() < accuracy ? truth : (truth + 1 + rng.Next(Classes - 1)) % Classes).ToArray()
            : null;
        var run = new DynamicRedundancy(
            TaskCount, Classes, min, Max, threshold, pool.Workers,
            (task, votes) =>
            {
                var w = pool.Next(votes.Select(v => v.Worker).ToHashSet());
                return (w, world.Answer(rng, w, world.Truth[task]));
            },
            Prevalence, modelSays);
        run.DecideAll();
        if (revisit)
        {
            run.RevisitUntilSettled();
        }

        var correct = Enumerable.Range(0, TaskCount).Count(i => run.Decided[i] == world.Truth[i]);
        return new PolicyResult(TaskCount, correct, run.Annotations, pool.Gold, run.Escalated.Count(e => e), pool.SuspendedByTrueAccuracy());
    }

    /// <summary>
    /// The platform side: draws a random active worker not yet on the task; at the gold rate the worker first answers a
    /// gold task, which updates its reliability. Under a suspension rule, a worker the rule finds under the floor gets
    /// no more tasks.
    /// </summary>
    private sealed class WorkerPool(Random rng, World world, bool confusion, Suspension? suspension)
    {
        public WorkerLedger Workers { get; } = new(
            [.. Enumerable.Range(0, WorkerCount)
                .Select(_ => confusion ? (WorkerReliability)ConfusionReliability.NewWorker(Classes) : OneCoinReliability.NewWorker)],
            Classes, suspension, Prevalence);

        public int Gold { get; private set; }

        public int Next(HashSet<int> taken)
        {
            while (true)
            {
                var w = rng.Next(WorkerCount);
                if (Workers.IsSuspended(w) || taken.Contains(w))
                {
                    continue;
                }

                if (rng.NextDouble() < GoldRate)
                {
                    var truth = Synthetic.Sample(rng, Prevalence);
                    Workers.Update(w, Workers.Reliability[w].ObserveGold(world.Answer(rng, w, truth), truth, Classes));
                    Gold++;
                    continue;
                }

                return w;
            }
        }

        public SuspensionCount SuspendedByTrueAccuracy()
        {
            var suspended = Enumerable.Range(0, WorkerCount).Where(Workers.IsSuspended).Select(world.TrueAccuracy).ToList();
            return new SuspensionCount(
                suspended.Count(a => a < Suspension.Floor), suspended.Count(a => a >= Suspension.Floor && a < 0.7), suspended.Count(a => a >= 0.7));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record PolicyResult(int Tasks, int Correct, int Annotations, int Gold, int Escalated, SuspensionCount Suspended)
    {
        public PolicyResult Add(PolicyResult o) =>
            new(Tasks + o.Tasks, Correct + o.Correct, Annotations + o.Annotations, Gold + o.Gold, Escalated + o.Escalated, Suspended.Add(o.Suspended));
    }

    /// <summary>Suspended workers by their true (prevalence-weighted) accuracy: rightly, borderline, wrongly.</summary>
    private sealed record SuspensionCount(int UnderFloor, int Borderline, int Fair)
    {
        public SuspensionCount Add(SuspensionCount o) => new(UnderFloor + o.UnderFloor, Borderline + o.Borderline, Fair + o.Fair);

        public override string ToString() => Invariant($"{UnderFloor} / {Borderline} / {Fair}");
    }

    /// <summary>The true classes and every worker's confusion matrix (row = truth).</summary>
    private sealed class World
    {
        private readonly double[] _confusion;

        private World(int[] truth, double[] confusion)
        {
            Truth = truth;
            _confusion = confusion;
        }

        public int[] Truth { get; }

        public static World Create(Random rng)
        {
            var confusion = new double[WorkerCount * Classes * Classes];
            for (var w = 0; w < WorkerCount; w++)
            {
                var kind = rng.NextDouble();
                for (var t = 0; t < Classes; t++)
                {
                    var row = confusion.AsSpan(((w * Classes) + t) * Classes, Classes);
                    if (kind < 0.10)
                    {
                        Ordinal(row, t, Uniform(rng, 0.92, 0.98)); // expert
                    }
                    else if (kind < 0.70)
                    {
                        Ordinal(row, t, Uniform(rng, 0.65, 0.90)); // typical
                    }
                    else if (kind < 0.80)
                    {
                        Ordinal(row, t, Uniform(rng, 0.45, 0.65)); // weak
                    }
                    else if (kind < 0.86)
                    {
                        row.Fill(1.0 / Classes); // spammer: clicks at random
                    }
                    else if (kind < 0.92)
                    {
                        row.Clear();
                        row[0] = 1; // spammer: always "normal"
                    }
                    else
                    {
                        // Adversarial: almost never the truth, spread over the other classes.
                        row.Fill(0.95 / (Classes - 1));
                        row[t] = 0.05;
                    }
                }
            }

            var truth = new int[TaskCount];
            for (var i = 0; i < TaskCount; i++)
            {
                truth[i] = Synthetic.Sample(rng, Prevalence);
            }

            return new World(truth, confusion);
        }

        /// <summary>The worker's real chance of answering right, averaged over the prevalence.</summary>
        public double TrueAccuracy(int worker)
        {
            var sum = 0.0;
            for (var t = 0; t < Classes; t++)
            {
                sum += Prevalence[t] * _confusion[(((worker * Classes) + t) * Classes) + t];
            }

            return sum;
        }

        public int Answer(Random rng, int worker, int truth) =>
            Synthetic.Sample(rng, _confusion.AsSpan(((worker * Classes) + truth) * Classes, Classes));

        private static double Uniform(Random rng, double lo, double hi) => lo + ((hi - lo) * rng.NextDouble());

        /// <summary>Accuracy on the diagonal; errors weighted exp(-2 |distance|) towards neighbouring classes.</summary>
        private static void Ordinal(Span<double> row, int t, double accuracy)
        {
            var rest = 0.0;
            for (var o = 0; o < row.Length; o++)
            {
                row[o] = o == t ? 0 : Math.Exp(-2.0 * Math.Abs(o - t));
                rest += row[o];
            }

            for (var o = 0; o < row.Length; o++)
            {
                row[o] = o == t ? accuracy : (1 - accuracy) * row[o] / rest;
            }
        }
    }
}
