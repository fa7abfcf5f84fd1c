using Crowd.Slicing.Options;
using Crowd.Slicing.Webhooks;

namespace Crowd.Services.Tests.Slicing;

/// <summary>
/// The <c>Crowd-Signature</c> header against HMACs computed by another implementation (OpenSSL:
/// <c>printf '%s' '1700000000.{body}' | openssl dgst -sha256 -hmac 'whsec_test'</c>), and the retry schedule.
/// </summary>
public sealed class WebhookSignatureTests
{
    private const string Body = """{"id":"e1","type":"batch.completed"}""";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Test]
    public void Sign_OneSecret_IsTimestampAndOpenSslsHmacOfTimestampDotBody() =>
        Assert.That(WebhookSignature.Sign(Body, At, ["whsec_test"]),
            Is.EqualTo("t=1700000000,v1=5eab6a7d976393584996bb50f1b7510a6368b61c50285b602669ad6d52f9019e"));

    [Test]
    public void Sign_DuringARotation_CarriesOneV1PerValidSecret_NewestFirst() =>
        Assert.That(WebhookSignature.Sign(Body, At, ["whsec_test", "whsec_old"]), Is.EqualTo(
            "t=1700000000,v1=5eab6a7d976393584996bb50f1b7510a6368b61c50285b602669ad6d52f9019e" +
            ",v1=ec16fec60aef018c55d5977e0090f20336347638a4dd2a452994ab3b2d617a89"));

    [Test]
    public void NewSecret_IsFreshEachTime() =>
        Assert.That(WebhookSignature.NewSecret(), Does.StartWith("whsec_").And.Not.EqualTo(WebhookSignature.NewSecret()));

    [Test]
    public void Backoff_FirstRetryWithin10Seconds_ThenDoubling_CappedAtAnHour_AndRetriedForMoreThanADay()
    {
        var settings = new WebhookOptions();
        Assert.That(Enumerable.Range(1, 5).Select(a => WebhookDeliverer.Backoff(a, settings).TotalSeconds), Is.EqualTo(new[] { 5.0, 10, 20, 40, 80 }));
        Assert.That(WebhookDeliverer.Backoff(40, settings), Is.EqualTo(TimeSpan.FromHours(1)));

        // Attempts made before giving up: the waits add up past 24 h before the 25 h limit.
        var elapsed = TimeSpan.Zero;
        var attempts = 1;
        while (elapsed + WebhookDeliverer.Backoff(attempts, settings) <= settings.GiveUpAfter)
        {
            elapsed += WebhookDeliverer.Backoff(attempts++, settings);
        }

        Assert.That(elapsed, Is.GreaterThan(TimeSpan.FromHours(24)));
    }
}
