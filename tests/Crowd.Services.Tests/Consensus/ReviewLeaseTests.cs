using Crowd.Consensus.Domain;

namespace Crowd.Services.Tests.Consensus;

public sealed class ReviewLeaseTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);

    [Test]
    public void IsHeldByAnother_AnotherReviewersRunningLease_IsTrue() =>
        Assert.That(ReviewLease.IsHeldByAnother("qa-a", Now.AddMinutes(1), "qa-b", Now), Is.True);

    [Test]
    public void IsHeldByAnother_TheHoldersOwnLease_IsFalse() =>
        Assert.That(ReviewLease.IsHeldByAnother("qa-a", Now.AddMinutes(1), "qa-a", Now), Is.False);

    [Test]
    public void IsHeldByAnother_EndedLease_IsFalse()
    {
        Assert.That(ReviewLease.IsHeldByAnother("qa-a", Now, "qa-b", Now), Is.False, "ends at its expiry instant");
        Assert.That(ReviewLease.IsHeldByAnother("qa-a", Now.AddSeconds(-1), "qa-b", Now), Is.False);
    }

    [Test]
    public void IsHeldByAnother_NeverClaimed_IsFalse() =>
        Assert.That(ReviewLease.IsHeldByAnother(null, null, "qa-b", Now), Is.False);
}
