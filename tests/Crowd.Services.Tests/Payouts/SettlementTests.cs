using Crowd.Payouts.Domain;

namespace Crowd.Services.Tests.Payouts;

public sealed class SettlementTests
{
    [Test]
    public void IsDue_OpenBatch_IsNot() =>
        Assert.That(Settlement.IsDue(new SettlementProgress(5, null, null, 12)), Is.False);

    [TestCase(2, false)]
    [TestCase(3, true)]
    public void IsDue_CompletedBatch_OnceEachFinalizedTaskIsJudged(int judgedTasks, bool due) =>
        Assert.That(Settlement.IsDue(new SettlementProgress(judgedTasks, 3, null, 9)), Is.EqualTo(due));

    [Test]
    public void IsDue_CancelledBatchStillDraining_IsNotWhateverIsPaid() =>
        // Not drained: an open claim may still be submitted, and its reward must still be in escrow.
        Assert.That(Settlement.IsDue(new SettlementProgress(0, null, null, 0)), Is.False);

    [TestCase(0, 0, true)]
    [TestCase(4, 3, false)]
    [TestCase(4, 4, true)]
    public void IsDue_DrainedBatch_OnceEverySubmittedAnnotationIsPaid(int submitted, long paid, bool due) =>
        Assert.That(Settlement.IsDue(new SettlementProgress(0, null, submitted, paid)), Is.EqualTo(due));

    [TestCase(10, false)]
    [TestCase(11, true)]
    public void IsDue_CompletedBatchWithARevisedTask_OnceItsExtraAnnotationIsPaidToo(long paid, bool due) =>
        // Three tasks, all judged once (nine annotations), and a revisit asked one of them for two more: eleven to pay.
        Assert.That(Settlement.IsDue(new SettlementProgress(3, 3, null, paid, ExpectedAnnotationCount: 11)), Is.EqualTo(due));
}
