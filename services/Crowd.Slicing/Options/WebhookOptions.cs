namespace Crowd.Slicing.Options;

/// <summary>How webhooks are delivered (API.md "Webhooks"); section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>How often the deliverer looks for due deliveries: an event waits at most this long after its commit.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>API.md: no answer within 10 s is a failed attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait before the first retry; each further retry waits twice as long, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>API.md: retried for at least 24 h; a delivery still failing this long after its event is marked failed.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(25);

    /// <summary>Deliveries sent at once by one instance.</summary>
    public int BatchSize { get; set; } = 20;
}
