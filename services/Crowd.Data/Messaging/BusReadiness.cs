using MassTransit;

namespace Crowd.Data.Messaging;

/// <summary>
/// The bus starts in the background (the service does not wait for the broker to answer its HTTP API), so whoever
/// publishes first waits here until the bus is connected and every receive endpoint is bound: a message published to
/// an exchange before this service's own queues are bound to it would reach no queue on a fresh broker.
/// </summary>
public static class BusReadiness
{
    public static async Task WaitAsync(IBusControl bus, CancellationToken cancellationToken)
    {
        while (bus.CheckHealth().Status != BusHealthStatus.Healthy)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
