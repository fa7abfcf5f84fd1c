using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Contracts.Workers;
using Crowd.Data;

namespace Crowd.Consensus.Data;

/// <summary>
/// What consensus tells the other services of each decision, in one message of each kind per transaction
/// (<see cref="UnitOfWork.PublishInBundle{TItem, TBundle}"/>): a consumer's batch of annotations decides many tasks at
/// once, and each decision's four messages used to cost the relay, the broker and three inboxes more than the decision.
/// </summary>
internal static class Announcements
{
    /// <summary>To slicing: the task's final label.</summary>
    public static void AnnounceLabel(this UnitOfWork work, LabelAccepted label) =>
        work.PublishInBundle(label, labels => new LabelsAccepted { Labels = labels });

    /// <summary>To assignment: the task takes no more claims.</summary>
    public static void AnnounceFinal(this UnitOfWork work, TaskState task) =>
        work.PublishInBundle(
            new TaskFinalized { TaskId = task.TaskId, BatchId = task.BatchId, Revision = task.Revision },
            tasks => new TasksFinalized { Tasks = tasks });

    /// <summary>To payouts: the task's annotations, judged, to be paid once each.</summary>
    public static void AnnounceJudged(this UnitOfWork work, AnnotationsJudged judged) =>
        work.PublishInBundle(judged, tasks => new TasksJudged { Tasks = tasks });

    /// <summary>To assignment, for the worker's profile: their new estimate.</summary>
    public static void AnnounceReliability(this UnitOfWork work, WorkerReliabilityChanged changed) =>
        work.PublishInBundle(changed, workers => new WorkerReliabilitiesChanged { Workers = workers });
}
