if (args is ["relay-lag", ..])
{
    await Crowd.Bench.Messaging.RelayLagBenchmark.RunAsync();
    return 0;
}

Console.WriteLine("usage: crowd bench relay-lag");
return 2;
