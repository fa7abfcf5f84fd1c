using MassTransit;

namespace Crowd.Data.Messaging;

public static class Senders
{
    /// <summary>
    /// The broker user that sent a delivery: its AMQP <c>user_id</c>, which RabbitMQ lets through only when it is the
    /// publishing connection's own login (every service sets it, <see cref="RabbitMqOptions.Username"/>). Null when the
    /// publisher set none, or the delivery did not come from RabbitMQ.
    /// </summary>
    public static string? SenderOf(this ConsumeContext delivery) =>
        delivery.TryGetPayload(out RabbitMqBasicConsumeContext? amqp) && !string.IsNullOrEmpty(amqp.Properties.UserId)
            ? amqp.Properties.UserId
            : null;
}
