using Crowd.Assignment.Data;
using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Data.Messaging;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>Every task of the batch is final: the pool keeps its rows for a while, then prunes them (<see cref="FinishedBatches"/>).</summary>
public sealed class BatchCompletedConsumer(Database database) : InboxConsumer<BatchCompleted>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchCompleted> context) =>
        work.RecordFinishedAsync(context.Message.BatchId, context.Message.CompletedAt);
}
