using MassTransit;

namespace Crowd.Data;

/// <summary>
/// The batch form of <see cref="InboxConsumer{TMessage}"/>: MassTransit hands over up to a batch's limit of deliveries
/// at once, and all of them are recorded in the inbox and handled in one unit of work, so that work done once per turn
/// (a lock, a hot row's update, the commit) is paid once per batch. Deliveries handled before are skipped.
/// <para>
/// A batch that fails for any reason but the database being away (<see cref="DatabaseFaults"/>) is rolled back and its
/// messages are handled again one unit of work each, so one message that can never be handled does not hold back the
/// others: they commit, and the failure is rethrown for MassTransit's retries. If it keeps failing, every message of
/// the batch goes to the <c>_error</c> queue; those already handled are skipped by the inbox when an operator moves
/// them back.
/// </para>
/// </summary>
public abstract class InboxBatchConsumer<TMessage>(Database database) : IConsumer<Batch<TMessage>>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deliveries = context.Message.ToList();
        try
        {
            await HandleTogetherAsync(deliveries, context.CancellationToken);
        }
        catch (Exception e) when (deliveries.Count > 1 && !DatabaseFaults.IsTransient(e) && !context.CancellationToken.IsCancellationRequested)
        {
            await HandleOneByOneAsync(deliveries, context.CancellationToken);
        }
    }

    /// <summary>The consumer's work on the messages not handled before, in delivery order, inside the unit of work; it does not commit.</summary>
    protected abstract Task HandleAsync(UnitOfWork work, IReadOnlyList<TMessage> messages);

    /// <summary>
    /// The messages of the deliveries not handled before that this consumer takes, judged by what the transport says of
    /// each (who sent it), possibly amended from it; what it turns away it records inside the unit of work, which then
    /// commits as for the others (a refused delivery is handled: refused, once). All of them, as sent, unless a consumer
    /// says otherwise.
    /// </summary>
    protected virtual Task<IReadOnlyList<TMessage>> AdmitAsync(UnitOfWork work, IReadOnlyList<ConsumeContext<TMessage>> deliveries) =>
        Task.FromResult<IReadOnlyList<TMessage>>([.. deliveries.Select(d => d.Message)]);

    private async Task HandleTogetherAsync(IReadOnlyList<ConsumeContext<TMessage>> deliveries, CancellationToken cancellationToken)
    {
        var (work, fresh) = await database.BeginConsumeAsync(deliveries, GetType().Name, cancellationToken);
        await using (work)
        {
            if (fresh.Count == 0)
            {
                return;
            }

            var admitted = await AdmitAsync(work, fresh);
            if (admitted.Count > 0)
            {
                await HandleAsync(work, admitted);
            }

            await work.CommitAsync();
        }
    }

    private async Task HandleOneByOneAsync(IReadOnlyList<ConsumeContext<TMessage>> deliveries, CancellationToken cancellationToken)
    {
        Exception? firstFailure = null;
        foreach (var delivery in deliveries)
        {
            try
            {
                await HandleTogetherAsync([delivery], cancellationToken);
            }
            catch (Exception e) when (!DatabaseFaults.IsTransient(e))
            {
                firstFailure ??= e;
            }
        }

        if (firstFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure);
        }
    }
}
