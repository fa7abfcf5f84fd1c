using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Payouts.Data;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>Records a submitted annotation as the worker's pending earnings until it is judged.</summary>
public sealed class AnnotationSubmittedConsumer(Database database) : InboxConsumer<AnnotationSubmitted>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationSubmitted> context) =>
        RecordPendingAsync(work, context.Message);

    /// <summary>The consumer's work on one message, inside <paramref name="work"/> (it does not commit).</summary>
    public static Task RecordPendingAsync(UnitOfWork work, AnnotationSubmitted submitted) =>
        work.RecordSubmittedAsync(
            new EarnedAnnotation(submitted.AnnotationId, submitted.WorkerId, submitted.BatchId, submitted.RewardCents), submitted.SubmittedAt);
}
