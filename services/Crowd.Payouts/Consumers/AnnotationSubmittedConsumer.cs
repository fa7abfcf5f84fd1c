using Crowd.Contracts.Annotations;
using Crowd.Data;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>Records a submitted annotation as the worker's pending earnings until it is judged.</summary>
public sealed class AnnotationSubmittedConsumer(Database database) : InboxConsumer<AnnotationSubmitted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationSubmitted> context)
    {
        // If the judgement overtook this message, the reward is already paid and nothing is pending.
        const string pending = """
            INSERT INTO pending_annotations (annotation_id, worker_id, batch_id, reward_cents, submitted_at)
            SELECT @AnnotationId, @WorkerId, @BatchId, @RewardCents, @SubmittedAt
            WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE idempotency_key = 'reward:' || @AnnotationId::text)
            ON CONFLICT DO NOTHING
            """;
        var a = context.Message;
        await work.ExecuteAsync(pending, new { a.AnnotationId, a.WorkerId, a.BatchId, a.RewardCents, a.SubmittedAt });
    }
}
