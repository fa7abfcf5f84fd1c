using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class BatchCancellationTests
{
    [TestCase(BatchStatus.PendingFunding)]
    [TestCase(BatchStatus.Open)]
    public void Decide_BatchThatMayStillTakeWork_IsCancelled(string status) =>
        Assert.That(BatchCancellation.Decide(status), Is.EqualTo(CancelOutcome.Cancel));

    [Test]
    public void Decide_AlreadyCancelled_ChangesNothing() =>
        Assert.That(BatchCancellation.Decide(BatchStatus.Cancelled), Is.EqualTo(CancelOutcome.AlreadyCancelled));

    [TestCase(BatchStatus.Completed)]
    [TestCase(BatchStatus.Rejected)]
    public void Decide_BatchThatEndedOtherwise_IsRefused(string status) =>
        Assert.That(BatchCancellation.Decide(status), Is.EqualTo(CancelOutcome.Refused));

    [Test]
    public void Decide_EveryStatus_HasAnAnswer() =>
        Assert.That(BatchStatus.All.Select(BatchCancellation.Decide), Has.Exactly(2).EqualTo(CancelOutcome.Cancel));
}
