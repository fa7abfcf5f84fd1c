using System.Net;
using System.Net.Sockets;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>Free TCP ports on 127.0.0.1 for the processes the end-to-end tests start.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free right now (the operating system's choice).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The first of <paramref name="count"/> consecutive free ports (RabbitMQ: AMQP, management, distribution, epmd).</summary>
    public static int FreeRun(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 30_000);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
