using Crowd.Consensus.Engine.Online;

namespace Crowd.Bench;

/// <summary>
/// The platform's online rule over one batch, as the simulated medical crowd and the replay of the real datasets run it:
/// each item is decided by <see cref="OnlineDecision"/> as its annotations come, under dynamic redundancy, and an
/// accepted item teaches its annotators; <see cref="RevisitUntilSettled"/> then lets <see cref="Revisit"/> dispute
/// decided labels. Where the annotations come from is the caller's: a simulated pool draws a worker and an answer, a
/// recorded dataset gives the item's next recorded label, or none when they are spent.
/// </summary>
internal sealed class DynamicRedundancy
{
    private readonly int _classes;
    private readonly int _min;
    private readonly int _max;
    private readonly double _threshold;
    private readonly WorkerLedger _workers;
    private readonly Func<int, IReadOnlyList<(int Worker, int Label)>, (int Worker, int Label)?> _nextAnnotation;
    private readonly double[]? _classWeights;
    private readonly int[]? _modelSays;
    private readonly List<(int Worker, int Label)>[] _votes;
    private readonly bool[] _modelTaught;
    private readonly int[] _taught;

    // Running class prevalence from finalized labels (Dirichlet(1) start), as the service can track per batch.
    private readonly double[] _classCounts;
    private WorkerReliability _model = OneCoinReliability.NewWorker;

    /// <param name="nextAnnotation">The item's next annotation given its annotations so far, or null when it can have none.</param>
    /// <param name="classWeights">Class weights of a worker's expected accuracy when revisiting (uniform when null).</param>
    /// <param name="modelSays">A model's pre-annotation of every item, which votes as the service's model does (see the simulator).</param>
    public DynamicRedundancy(
        int items, int classes, int min, int max, double threshold, WorkerLedger workers,
        Func<int, IReadOnlyList<(int Worker, int Label)>, (int Worker, int Label)?> nextAnnotation,
        double[]? classWeights = null, int[]? modelSays = null)
    {
        _classes = classes;
        _min = min;
        _max = max;
        _threshold = threshold;
        _workers = workers;
        _nextAnnotation = nextAnnotation;
        _classWeights = classWeights;
        _modelSays = modelSays;
        _votes = [.. Enumerable.Range(0, items).Select(_ => new List<(int Worker, int Label)>())];
        _modelTaught = new bool[items];
        _taught = new int[items];
        _classCounts = [.. Enumerable.Repeat(1.0, classes)];
        Decided = new int[items];
        Escalated = new bool[items];
    }

    /// <summary>Each item's label: accepted, or the candidate when it escalated.</summary>
    public int[] Decided { get; }

    /// <summary>
    /// Items left without an accepted label, their budget or their annotations spent (online, or disputed when revisited):
    /// the service sends them to QA.
    /// </summary>
    public bool[] Escalated { get; }

    public int Annotations { get; private set; }

    /// <summary>Decides every item in order, each up to <c>max</c> annotations.</summary>
    public void DecideAll()
    {
        for (var i = 0; i < _votes.Length; i++)
        {
            Decide(i, _max);
        }
    }

    /// <summary>
    /// Once every item is decided, Dawid-Skene over the whole batch (started from the learned accuracies) disputes labels
    /// (<see cref="Revisit"/>); a disputed item gets one more annotation, up to max + 2, and is decided again with what is
    /// known then, or escalates (scored with its label, as every escalated item is) with its budget or its annotations
    /// spent; repeated until nothing changes.
    /// </summary>
    public void RevisitUntilSettled()
    {
        var workerCount = _workers.Reliability.Length;
        while (true)
        {
            // The model is one more annotator of every item in the batch's model too, with the accuracy learned for it.
            var batch = _modelSays is null
                ? BatchVotes.ToCrowdLabels(_votes, workerCount, _classes)
                : BatchVotes.ToCrowdLabels([.. _votes.Select((v, i) => v.Append((workerCount, _modelSays[i])).ToList())], workerCount + 1, _classes);
            var open = Decided.Select((label, i) => Escalated[i] ? -1 : label).ToArray();
            var learned = _workers.Reliability.Select(r => r.ExpectedAccuracy(_classes, _classWeights));
            var disputed = Revisit.Dispute(
                batch, open, [.. _modelSays is null ? learned : learned.Append(_model.ExpectedAccuracy(_classes, _classWeights))], _threshold);
            if (disputed.Count == 0)
            {
                return;
            }

            foreach (var d in disputed)
            {
                if (_votes[d.Item].Count >= _max + 2 || !Annotate(d.Item))
                {
                    Escalated[d.Item] = true;
                    continue;
                }

                Decide(d.Item, _max + 2);
            }
        }
    }

    private bool Annotate(int item)
    {
        if (_nextAnnotation(item, _votes[item]) is not { } annotation)
        {
            return false;
        }

        _votes[item].Add(annotation);
        Annotations++;
        return true;
    }

    private void Decide(int i, int budget)
    {
        var reliability = _workers.Reliability;
        var total = _classCounts.Sum();
        var prior = _classCounts.Select((c, truth) => c / total * (_modelSays is null ? 1 : _model.Probability(truth, _modelSays[i], _classes))).ToArray();
        var policy = new DecisionPolicy(Math.Min(_min, budget), budget, _threshold);
        while (true)
        {
            var decision = OnlineDecision.Decide([.. _votes[i].Select(v => new Vote(v.Label, reliability[v.Worker]))], _classes, policy, prior);
            if (decision.Outcome == DecisionOutcome.More && Annotate(i))
            {
                continue;
            }

            Decided[i] = decision.Candidate;
            Escalated[i] = decision.Outcome != DecisionOutcome.Accept;
            if (!Escalated[i])
            {
                // Each annotation teaches its worker once, when its item is first decided after it came (as the
                // service judges each annotation once): a revisited item's earlier annotations are not taught again.
                var posterior = decision.Posterior.ToArray();
                foreach (var (worker, label) in _votes[i].Skip(_taught[i]))
                {
                    _workers.Update(worker, reliability[worker].Observe(label, posterior));
                }

                _taught[i] = _votes[i].Count;

                for (var c = 0; c < _classes; c++)
                {
                    _classCounts[c] += posterior[c];
                }

                if (_modelSays is not null && !_modelTaught[i])
                {
                    _model = _model.ObserveGold(_modelSays[i], decision.Candidate, _classes);
                    _modelTaught[i] = true;
                }
            }

            return;
        }
    }
}

/// <summary>
/// What the platform knows of its workers: each one's reliability, and whether the suspension rule has stopped them
/// (no more tasks). Without a rule nobody is suspended.
/// </summary>
internal sealed class WorkerLedger(WorkerReliability[] reliability, int classes, Suspension? suspension, double[]? classWeights = null)
{
    private readonly bool[] _suspended = new bool[reliability.Length];

    public WorkerReliability[] Reliability => reliability;

    public bool IsSuspended(int worker) => _suspended[worker];

    public void Update(int worker, WorkerReliability updated)
    {
        reliability[worker] = updated;
        if (suspension is not null && updated.IsBelowFloor(Suspension.Floor, suspension.Confidence, suspension.MinEvidence, classes, classWeights))
        {
            _suspended[worker] = true;
        }
    }
}

/// <summary>
/// The platform's accuracy floor (ARCHITECTURE.md, <c>WorkerSuspended</c>) with the consensus service's defaults:
/// suspended once 97.5% sure the worker's accuracy is under 0.6. The point-estimate rule (posterior mean under 0.6
/// after 10 answers) is kept for comparison: cheaper, because it also removes fair workers on an unlucky streak.
/// </summary>
internal sealed record Suspension(double Confidence, double MinEvidence)
{
    public const double Floor = 0.6;

    /// <summary>The service's defaults (ConsensusOptions: SuspensionConfidence, MinObservationsForSuspension).</summary>
    public static Suspension Platform { get; } = new(0.975, 5);

    public static Suspension PointEstimate { get; } = new(0.5, 10);
}
