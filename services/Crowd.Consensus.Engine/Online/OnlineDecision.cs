namespace Crowd.Consensus.Engine.Online;

/// <summary>One annotation of a classification task: the class chosen and the reliability of the worker who chose it.</summary>
public readonly record struct Vote(int Label, WorkerReliability Reliability);

/// <summary>One annotation as the consensus service stores it: who, and which class (index into the schema's classes).</summary>
public readonly record struct Annotation(string WorkerId, int Label);

/// <summary>A batch's consensus settings (API.md: <c>redundancy.min</c>, <c>redundancy.max</c>, <c>acceptance.threshold</c>).</summary>
public sealed record DecisionPolicy
{
    public DecisionPolicy(int minAnnotations, int maxAnnotations, double acceptanceThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minAnnotations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAnnotations, minAnnotations);
        if (!(acceptanceThreshold > 0 && acceptanceThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(acceptanceThreshold), "the threshold must be in (0, 1]");
        }

        MinAnnotations = minAnnotations;
        MaxAnnotations = maxAnnotations;
        AcceptanceThreshold = acceptanceThreshold;
    }

    public int MinAnnotations { get; }

    public int MaxAnnotations { get; }

    public double AcceptanceThreshold { get; }
}

/// <summary>What to do with a task after its latest annotation.</summary>
public enum DecisionOutcome
{
    /// <summary>At least the minimum number of annotations and the candidate's posterior meets the threshold.</summary>
    Accept,

    /// <summary>Not decided yet and below the maximum: request another annotation.</summary>
    More,

    /// <summary>The maximum is reached without meeting the threshold: send to QA.</summary>
    Escalate,
}

/// <summary>The decision for one task.</summary>
/// <param name="Outcome">Accept, ask for more, or escalate.</param>
/// <param name="Candidate">The class with the highest posterior (the final label when accepted).</param>
/// <param name="Confidence">The candidate's posterior probability.</param>
/// <param name="Posterior">Posterior over classes given the annotations and the workers' reliabilities.</param>
/// <param name="Agreement">Share of annotations equal to the candidate.</param>
public sealed record TaskDecision(DecisionOutcome Outcome, int Candidate, double Confidence, IReadOnlyList<double> Posterior, double Agreement);

/// <summary>
/// The per-task online decision the consensus service runs after every annotation. The posterior is Bayes' rule with
/// each worker's current reliability taken as known (the plug-in estimate) and annotations independent given the class.
/// </summary>
public static class OnlineDecision
{
    /// <summary>
    /// Decides a task from its annotations so far. <paramref name="classPrior"/> is the class distribution before any
    /// annotation (uniform when null). Ties in the posterior go to the lower class index.
    /// </summary>
    public static TaskDecision Decide(IReadOnlyList<Vote> votes, int classCount, DecisionPolicy policy, IReadOnlyList<double>? classPrior = null)
    {
        ArgumentNullException.ThrowIfNull(votes);
        ArgumentNullException.ThrowIfNull(policy);
        var posterior = Posterior(votes, classCount, classPrior);
        var candidate = 0;
        for (var c = 1; c < classCount; c++)
        {
            if (posterior[c] > posterior[candidate])
            {
                candidate = c;
            }
        }

        var agreeing = 0;
        foreach (var v in votes)
        {
            agreeing += v.Label == candidate ? 1 : 0;
        }

        var n = votes.Count;
        var confidence = posterior[candidate];
        var outcome = n >= policy.MinAnnotations && confidence >= policy.AcceptanceThreshold
            ? DecisionOutcome.Accept
            : n >= policy.MaxAnnotations ? DecisionOutcome.Escalate : DecisionOutcome.More;
        return new TaskDecision(outcome, candidate, confidence, posterior, n == 0 ? 0 : agreeing / (double)n);
    }

    /// <summary>
    /// Decides a task from stored annotations, looking up each worker's current reliability
    /// (<paramref name="reliabilityOf"/> should return a new-worker prior such as <see cref="OneCoinReliability.NewWorker"/>
    /// for a worker it does not know).
    /// </summary>
    public static TaskDecision Decide(
        IReadOnlyList<Annotation> annotations, Func<string, WorkerReliability> reliabilityOf, int classCount,
        DecisionPolicy policy, IReadOnlyList<double>? classPrior = null)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(reliabilityOf);
        var votes = new Vote[annotations.Count];
        for (var i = 0; i < votes.Length; i++)
        {
            votes[i] = new Vote(annotations[i].Label, reliabilityOf(annotations[i].WorkerId));
        }

        return Decide(votes, classCount, policy, classPrior);
    }

    /// <summary>Posterior over classes: prior times each worker's probability of the answer given, normalised (log space).</summary>
    public static double[] Posterior(IReadOnlyList<Vote> votes, int classCount, IReadOnlyList<double>? classPrior = null)
    {
        ArgumentNullException.ThrowIfNull(votes);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (classPrior is not null && classPrior.Count != classCount)
        {
            throw new ArgumentException("the class prior must have one entry per class");
        }

        var log = new double[classCount];
        for (var c = 0; c < classCount; c++)
        {
            log[c] = classPrior is null ? 0 : Math.Log(Math.Max(classPrior[c], 1e-300));
        }

        foreach (var v in votes)
        {
            if ((uint)v.Label >= (uint)classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(votes), $"label {v.Label} outside [0, {classCount})");
            }

            ArgumentNullException.ThrowIfNull(v.Reliability);
            for (var c = 0; c < classCount; c++)
            {
                log[c] += Math.Log(Math.Max(v.Reliability.Probability(c, v.Label, classCount), 1e-300));
            }
        }

        var max = log.Max();
        var sum = 0.0;
        for (var c = 0; c < classCount; c++)
        {
            log[c] = Math.Exp(log[c] - max);
            sum += log[c];
        }

        for (var c = 0; c < classCount; c++)
        {
            log[c] /= sum;
        }

        return log;
    }
}
