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

/// <summary>One of many messages written by concurrent writers.</summary>
public sealed record Burst
{
    public required int Writer { get; init; }
    public required int Sequence { get; init; }
}

/// <summary>Records every delivery, without an inbox in front, so that a message published twice shows twice.</summary>
public sealed class BurstConsumer(Npgsql.NpgsqlDataSource dataSource) : IConsumer<Burst>
{
    public async Task Consume(ConsumeContext<Burst> context)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO deliveries (message_id, writer, sequence) VALUES ($1, $2, $3)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.MessageId!.Value });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.Message.Writer });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.Message.Sequence });
        await command.ExecuteNonQueryAsync(context.CancellationToken);
    }
}

/// <summary>Bursts published in one bundle (<see cref="UnitOfWork.PublishInBundle{TItem, TBundle}"/>).</summary>
public sealed record Bursts
{
    public required IReadOnlyList<Burst> Items { get; init; }
}

/// <summary>Records every item of every bundle it is handed, in the bundle's order, under the bundle's message id.</summary>
public sealed class BurstsConsumer(Npgsql.NpgsqlDataSource dataSource) : IConsumer<Bursts>
{
    public async Task Consume(ConsumeContext<Bursts> context)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO deliveries (message_id, writer, sequence)
            SELECT $1, writer, sequence FROM unnest($2::int[], $3::int[]) WITH ORDINALITY AS i(writer, sequence, n) ORDER BY n
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.MessageId!.Value });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.Message.Items.Select(i => i.Writer).ToArray() });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = context.Message.Items.Select(i => i.Sequence).ToArray() });
        await command.ExecuteNonQueryAsync(context.CancellationToken);
    }
}

/// <summary>A message whose consumer fails every time when <see cref="Poison"/> is set, and handles it otherwise.</summary>
public sealed record Flaky
{
    public required int Sequence { get; init; }
    public required bool Poison { get; init; }
}

/// <summary>How many times a test consumer was handed a message it can never handle, retries included.</summary>
public sealed class PoisonCounter
{
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public void Reset() => Interlocked.Exchange(ref _attempts, 0);

    /// <summary>Counts one more attempt and returns the failure to throw.</summary>
    public InvalidOperationException Tried(int sequence)
    {
        Interlocked.Increment(ref _attempts);
        return new InvalidOperationException($"Message {sequence} can never be handled");
    }
}

public sealed class FlakyConsumer(Database database) : InboxConsumer<Flaky>(database)
{
    public static PoisonCounter Poison { get; } = new();

    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<Flaky> context)
    {
        if (context.Message.Poison)
        {
            throw Poison.Tried(context.Message.Sequence);
        }

        await work.ExecuteAsync("INSERT INTO flaky_handled (sequence) VALUES (@Sequence)", new { context.Message.Sequence });
    }
}

/// <summary>As <see cref="Flaky"/>, for a consumer that takes its deliveries in batches.</summary>
public sealed record FlakyInBatch
{
    public required int Sequence { get; init; }
    public required bool Poison { get; init; }
}

public sealed class FlakyBatchConsumer(Database database) : InboxBatchConsumer<FlakyInBatch>(database)
{
    /// <summary>Attempts at the poison message, in a batch or alone.</summary>
    public static PoisonCounter Poison { get; } = new();

    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<FlakyInBatch> messages)
    {
        foreach (var message in messages)
        {
            if (message.Poison)
            {
                throw Poison.Tried(message.Sequence);
            }

            await work.ExecuteAsync("INSERT INTO flaky_handled (sequence) VALUES (@Sequence)", new { message.Sequence });
        }
    }
}

/// <summary>Batches of up to 50, gathered for 200 ms, so that messages published together are handled together.</summary>
public sealed class FlakyBatchConsumerDefinition() : Crowd.Data.Messaging.BatchConsumerDefinition<FlakyBatchConsumer>(
    messageLimit: 50, timeLimit: TimeSpan.FromMilliseconds(200), concurrencyLimit: 1);
