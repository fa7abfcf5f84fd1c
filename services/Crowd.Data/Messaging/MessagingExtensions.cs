using System.Reflection;
using Crowd.Data.Outbox;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.Data.Messaging;

public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 55672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "crowd";
    public string Password { get; set; } = "crowd";
}

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ (section <c>RabbitMq</c>) with every consumer in <paramref name="consumerAssembly"/>,
    /// queues prefixed by the service name so that two services' consumers of one event never compete,
    /// interval retries then the <c>_error</c> queue (no delayed-exchange plugin here), and the outbox relay.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdMessaging(this IHostApplicationBuilder builder, string serviceName, Assembly consumerAssembly)
    {
        var rabbit = builder.Configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection("Outbox"));

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            bus.AddConsumers(consumerAssembly);
            bus.UsingRabbitMq((context, transport) =>
            {
                transport.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, host =>
                {
                    host.Username(rabbit.Username);
                    host.Password(rabbit.Password);
                    host.PublisherConfirmation = true;
                });
                // Transient failures (deadlocks, serialization conflicts, a restarting database) are retried in place.
                transport.UseMessageRetry(retry => retry.Intervals(50, 200, 500, 1000, 2000, 5000));
                transport.ConfigureEndpoints(context);
            });
        });
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            // The relay starts after the bus is connected, so its first publish never races the connection.
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromSeconds(60);
            host.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }
}
