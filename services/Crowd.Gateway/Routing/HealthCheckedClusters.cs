using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Crowd.Gateway.Routing;

/// <summary>
/// Every cluster (one per service, any number of instances each) balanced and health-checked the same way:
/// <list type="bullet">
/// <item>active checks of each instance's <c>/health/ready</c> every 2 s, out after 2 failures in a row, back after one success;</item>
/// <item>passive checks: an instance whose requests fail at the transport (refused, reset: a killed process) is taken
/// out at once, before the next active check, and tried again after 10 s;</item>
/// <item>when no instance is healthy (the database is away, so every <c>/health/ready</c> fails) requests still go to all
/// of them ("panic"), so that clients get the service's own 503 with <c>Retry-After</c> rather than the gateway's bare one.</item>
/// </list>
/// </summary>
public sealed class HealthCheckedClusters : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster with
    {
        LoadBalancingPolicy = cluster.LoadBalancingPolicy ?? "PowerOfTwoChoices",
        HealthCheck = cluster.HealthCheck ?? new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = TimeSpan.FromSeconds(2),
                Timeout = TimeSpan.FromSeconds(1),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health/ready",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = TimeSpan.FromSeconds(10),
            },
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        },
    });

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) => ValueTask.FromResult(route);
}
