using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Payouts.Data;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// The cancelled batch can take no more annotations: its escrow is settled now if each of them is paid already,
/// otherwise by the AnnotationsJudged that pays the last one.
/// </summary>
public sealed class BatchDrainedConsumer(Database database) : InboxConsumer<BatchDrained>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchDrained> context)
    {
        await work.RecordAsync(context.Message.BatchId, drainedAnnotationCount: context.Message.AnnotationCount);
        await work.SettleIfDoneAsync(context.Message.BatchId);
    }
}
