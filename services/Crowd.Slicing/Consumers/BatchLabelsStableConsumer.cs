using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Slicing.Data;
using MassTransit;

namespace Crowd.Slicing.Consumers;

/// <summary>Consensus found the batch's labels stable (README, "Revisions"): the batch completes once its results hold those revisions.</summary>
public sealed class BatchLabelsStableConsumer(Database database) : InboxConsumer<BatchLabelsStable>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchLabelsStable> context) =>
        work.NoteStableLabelsAsync(context.Message);
}
