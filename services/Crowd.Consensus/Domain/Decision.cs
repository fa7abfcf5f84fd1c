namespace Crowd.Consensus.Domain;

public enum Verdict
{
    /// <summary>The candidate label is final.</summary>
    Accept,

    /// <summary>Not decided yet: wait for the slots already open, or ask for one more annotation.</summary>
    More,

    /// <summary><c>redundancy.max</c> annotations did not agree: a QA reviewer decides.</summary>
    Escalate,
}

/// <summary>What consensus concludes from a task's annotations so far.</summary>
public sealed record Decision(Verdict Verdict, string Candidate, double Confidence, double Agreement);

/// <summary>
/// The walking skeleton's rule for classification: accept the leading label once there are at least
/// <c>redundancy.min</c> annotations and its share of them reaches <c>acceptance.threshold</c>; otherwise ask for
/// more, up to <c>redundancy.max</c>; then escalate. Ties go to the class listed first in the schema, so the
/// outcome never depends on arrival order. The reliability-weighted posterior of the consensus engine replaces it.
/// </summary>
public static class MajorityShareRule
{
    public static Decision Decide(IReadOnlyList<string> labels, IReadOnlyList<string> classes, int redundancyMin, int redundancyMax, double threshold)
    {
        var leader = classes
            .Select((label, rank) => (label, rank, votes: labels.Count(l => l == label)))
            .OrderByDescending(c => c.votes).ThenBy(c => c.rank)
            .First();
        var share = labels.Count == 0 ? 0 : (double)leader.votes / labels.Count;

        var verdict = labels.Count >= redundancyMin && share >= threshold ? Verdict.Accept
            : labels.Count >= redundancyMax ? Verdict.Escalate
            : Verdict.More;
        return new Decision(verdict, leader.label, share, share);
    }

    /// <summary>Share of the annotations that equal <paramref name="finalLabel"/>: API.md's <c>agreement</c>.</summary>
    public static double Agreement(IReadOnlyList<string> labels, string finalLabel) =>
        labels.Count == 0 ? 0 : (double)labels.Count(l => l == finalLabel) / labels.Count;
}
