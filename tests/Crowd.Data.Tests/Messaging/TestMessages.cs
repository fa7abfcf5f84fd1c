using Crowd.Data;
using MassTransit;

namespace Crowd.Data.Tests.Messaging;

/// <summary>A message from one producer, numbered in the order it produced them.</summary>
public sealed record Ping
{
    public required string Producer { get; init; }
    public required int Sequence { get; init; }
}

/// <summary>Records each Ping it handles, through the inbox, in the order it handles them.</summary>
public sealed class PingConsumer(Database database) : InboxConsumer<Ping>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<Ping> context)
    {
        await work.ExecuteAsync(
            "INSERT INTO received (message_id, producer, sequence) VALUES (@messageId, @Producer, @Sequence)",
            new { messageId = context.MessageId, context.Message.Producer, context.Message.Sequence });
    }
}

/// <summary>One delivery at a time, so that arrival order is observable.</summary>
public sealed class PingConsumerDefinition : ConsumerDefinition<PingConsumer>
{
    public PingConsumerDefinition() => ConcurrentMessageLimit = 1;
}
