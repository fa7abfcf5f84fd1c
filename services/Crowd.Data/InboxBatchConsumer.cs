using MassTransit;

namespace Crowd.Data;

/// <summary>
/// The batch form of <see cref="InboxConsumer{TMessage}"/>: MassTransit hands over up to a batch's limit of deliveries
/// at once, and all of them are recorded in the inbox and handled in one unit of work, so that work done once per turn
/// (a lock, a read of the last row) is paid once per batch. Deliveries handled before are skipped; an exception rolls
/// the whole batch back for a retry, and after the retries every message of it goes to the <c>_error</c> queue.
/// </summary>
public abstract class InboxBatchConsumer<TMessage>(Database database) : IConsumer<Batch<TMessage>>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (work, fresh) = await database.BeginConsumeAsync(context.Message.ToList(), GetType().Name, context.CancellationToken);
        await using (work)
        {
            if (fresh.Count == 0)
            {
                return;
            }

            await HandleAsync(work, fresh.Select(c => c.Message).ToList());
            await work.CommitAsync();
        }
    }

    /// <summary>The consumer's work on the messages not handled before, in delivery order, inside the unit of work; it does not commit.</summary>
    protected abstract Task HandleAsync(UnitOfWork work, IReadOnlyList<TMessage> messages);
}
