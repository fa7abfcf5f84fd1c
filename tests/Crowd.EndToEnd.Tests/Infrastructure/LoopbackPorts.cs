using System.Net;
using System.Net.Sockets;

namespace Crowd.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Free TCP ports on 127.0.0.1 for the processes the end-to-end tests start. They are taken from 20,000 to 30,000, below
/// the kernel's ephemeral range (32,768 and up): a port the kernel chose for us there could be handed to any outgoing
/// connection (to PostgreSQL, RabbitMQ, the gateway) before the process we start binds it, which is what once made a
/// replica fail with "address already in use". Each port is handed out once per test run.
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free right now, not handed out before in this run.</summary>
    public static int Free() => FreeRun(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports (RabbitMQ: AMQP, management, distribution, epmd).</summary>
    public static int FreeRun(int count)
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var first = Random.Shared.Next(20_000, 30_000 - count);
                var run = Enumerable.Range(first, count).ToList();
                if (run.All(port => !HandedOut.Contains(port) && IsFree(port)))
                {
                    HandedOut.UnionWith(run);
                    return first;
                }
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
