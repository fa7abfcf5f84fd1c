namespace Crowd.Data;

/// <summary>
/// How much background work a process keeps in flight for the cores it is told it has (<see cref="Environment.ProcessorCount"/>:
/// a container's CPU quota or <c>DOTNET_PROCESSOR_COUNT</c>, which <c>./crowd up</c> sets to each process's share of the
/// machine). On one core a second relay loop or a second batch in hand does not run beside the first; it queues for the
/// core with every request the process serves. Measured on 2 cores shared by five processes, one of each instead of two:
/// about 30 % more claim + submit pairs a second and a fifth less CPU a pair (docs/benchmarks.md, "One of each per core").
/// </summary>
public static class CoreShare
{
    /// <summary>One per core the process is told it has, at least one and at most <paramref name="most"/>.</summary>
    public static int InFlight(int most) => Math.Clamp(Environment.ProcessorCount, 1, most);
}
