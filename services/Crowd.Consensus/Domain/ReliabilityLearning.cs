using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;

namespace Crowd.Consensus.Domain;

/// <summary>A worker's reliability as stored, and whether they have already been suspended.</summary>
public sealed record StoredReliability(OneCoinReliability Reliability, bool Suspended);

/// <summary>A worker the lessons just took under the accuracy floor, with the reason the profile will show.</summary>
public sealed record Suspension(string WorkerId, double EstimatedAccuracy, string Reason);

/// <summary>
/// The reliability rule: each judged annotation's lessons (<see cref="IConsensusKind.Lessons"/>) move its worker's
/// one-coin estimate, and a worker consensus is sure enough is under the platform's floor is suspended, once (a model
/// never: its reliability only weighs its votes).
/// </summary>
public static class ReliabilityLearning
{
    /// <summary>
    /// Applies <paramref name="lessons"/> to <paramref name="reliabilities"/> (every lesson's worker must be in it) and
    /// returns the workers suspended by them; the caller stores the updated reliabilities and announces the suspensions.
    /// </summary>
    public static IReadOnlyList<Suspension> Learn(
        IDictionary<string, StoredReliability> reliabilities, IEnumerable<(string WorkerId, ReliabilityLesson Lesson)> lessons, ConsensusOptions options)
    {
        ArgumentNullException.ThrowIfNull(reliabilities);
        ArgumentNullException.ThrowIfNull(lessons);
        ArgumentNullException.ThrowIfNull(options);
        var suspensions = new List<Suspension>();
        foreach (var (workerId, (observed, truth, classCount, weight)) in lessons)
        {
            var stored = reliabilities[workerId];
            var learned = (OneCoinReliability)stored.Reliability.ObserveGold(observed, truth, classCount, weight);
            var suspend = !stored.Suspended && !ModelVoters.IsModel(workerId) && learned.IsBelowFloor(
                options.AccuracyFloor, options.SuspensionConfidence, options.MinObservationsForSuspension, classCount);
            reliabilities[workerId] = new StoredReliability(learned, stored.Suspended || suspend);
            if (suspend)
            {
                suspensions.Add(new Suspension(
                    workerId,
                    learned.Accuracy,
                    $"estimated accuracy {learned.Accuracy:P0} over {learned.Observations:F0} judged annotations: " +
                    $"{learned.ProbabilityBelow(options.AccuracyFloor, classCount):P0} sure it is under the floor of {options.AccuracyFloor:P0}"));
            }
        }

        return suspensions;
    }
}
