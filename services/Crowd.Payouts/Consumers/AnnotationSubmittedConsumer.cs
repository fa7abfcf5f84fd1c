using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Data;

namespace Crowd.Payouts.Consumers;

/// <summary>Records submitted annotations as their workers' pending earnings until they are judged, many at once.</summary>
public sealed class AnnotationSubmittedConsumer(Database database) : InboxBatchConsumer<AnnotationSubmitted>(database)
{
    protected override Task HandleAsync(UnitOfWork work, IReadOnlyList<AnnotationSubmitted> messages) => RecordPendingAsync(work, messages);

    /// <summary>The consumer's work on one submission, inside <paramref name="work"/> (it does not commit).</summary>
    public static Task RecordPendingAsync(UnitOfWork work, AnnotationSubmitted submitted) => RecordPendingAsync(work, [submitted]);

    /// <summary>The consumer's work on several submissions, inside <paramref name="work"/> (it does not commit).</summary>
    public static Task RecordPendingAsync(UnitOfWork work, IReadOnlyList<AnnotationSubmitted> submissions) =>
        work.RecordSubmittedAsync(submissions.Select(s =>
            (new EarnedAnnotation(s.AnnotationId, s.WorkerId, s.BatchId, s.RewardCents), s.SubmittedAt)));
}

/// <summary>The batch every per-decision consumer takes (<see cref="BatchConsumerDefinition{TConsumer}"/>).</summary>
public sealed class AnnotationSubmittedConsumerDefinition : BatchConsumerDefinition<AnnotationSubmittedConsumer>;
