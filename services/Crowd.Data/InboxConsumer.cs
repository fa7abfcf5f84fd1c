using MassTransit;

namespace Crowd.Data;

/// <summary>
/// A consumer whose work happens effectively once: each delivery opens one unit of work that records the MessageId
/// in the inbox, a delivery this consumer has already handled is acknowledged and skipped, and what
/// <see cref="HandleAsync"/> writes and publishes commits together. An exception rolls it all back for a retry.
/// </summary>
public abstract class InboxConsumer<TMessage>(Database database) : IConsumer<TMessage>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<TMessage> context)
    {
        // The inbox key is the consumer's type name: two consumers of one message in a service each handle it once.
        await using var work = await database.BeginConsumeAsync(context, GetType().Name);
        if (work is null)
        {
            return;
        }

        await HandleAsync(work, context);
        await work.CommitAsync();
    }

    /// <summary>The consumer's own work, inside the unit of work; it does not commit.</summary>
    protected abstract Task HandleAsync(UnitOfWork work, ConsumeContext<TMessage> context);
}
