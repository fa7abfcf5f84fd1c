using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Crowd.Data.Messaging;

/// <summary>
/// How a batch consumer (<see cref="InboxBatchConsumer{TMessage}"/>) takes its deliveries: up to
/// <c>messageLimit</c> at once, or what has come within <c>timeLimit</c> of the first, with up
/// to <c>concurrencyLimit</c> batches in hand per instance (fewer where <see cref="RabbitMqOptions.BatchesInHand"/> says
/// so). The endpoint prefetches enough for every batch in hand plus the next one, so a batch fills from the broker's
/// buffer rather than one round trip at a time. With N instances sharing the queue (<see cref="RabbitMqOptions.Instances"/>)
/// each waits N times <c>timeLimit</c>: it gets a stream's Nth part, and its batches keep the size one instance's would have.
/// </summary>
public abstract class BatchConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly int _messageLimit;
    private readonly TimeSpan _timeLimit;
    private readonly int _concurrencyLimit;

    /// <summary>
    /// What every consumer of one message per decision or submission takes: up to 100 at once, or what has come within
    /// 50 ms (the latency a message may wait for company), two batches in hand per instance (one on one core; one is read and written
    /// while the other holds its hot rows through its commit). 50 ms, not 10: under the load benchmark's 90 to 125
    /// pairs a second the batches were two to three times larger (consensus 4.6 to 10.2 messages, slicing 5.6 to 14,
    /// assignment 6.7 to 15.2), so each transaction's fixed cost (inbox, locks, hot rows, commit) is paid that much
    /// less often, for at most 40 ms more on each hop (docs/benchmarks.md).
    /// </summary>
    protected BatchConsumerDefinition()
        : this(messageLimit: 100, timeLimit: TimeSpan.FromMilliseconds(50), concurrencyLimit: 2)
    {
    }

    protected BatchConsumerDefinition(int messageLimit, TimeSpan timeLimit, int concurrencyLimit)
    {
        _messageLimit = messageLimit;
        _timeLimit = timeLimit;
        _concurrencyLimit = concurrencyLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        ArgumentNullException.ThrowIfNull(consumerConfigurator);
        ArgumentNullException.ThrowIfNull(context);
        var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        var batchesInHand = Math.Clamp(options.BatchesInHand, 1, _concurrencyLimit);
        var deliveriesInHand = _messageLimit * (batchesInHand + 1);
        endpointConfigurator.ConcurrentMessageLimit = deliveriesInHand;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = deliveriesInHand;
        }

        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_messageLimit)
            .SetTimeLimit(options.GatherFor(_timeLimit))
            .SetConcurrencyLimit(batchesInHand));
    }
}

/// <summary>
/// How a consumer of bundles takes them (<see cref="UnitOfWork.PublishInBundle{TItem, TBundle}"/>: one message per
/// sending transaction, up to <see cref="UnitOfWork.MaxBundleItems"/> items): up to 10 at once, or what has come within
/// 20 ms. A bundle already brings its company, so it waits less for more; and ten of them bound a transaction to about
/// as many items as a batch of single messages, however far behind the consumer is.
/// </summary>
public abstract class BundleConsumerDefinition<TConsumer>() : BatchConsumerDefinition<TConsumer>(
    messageLimit: 10, timeLimit: TimeSpan.FromMilliseconds(20), concurrencyLimit: 2)
    where TConsumer : class, IConsumer;
