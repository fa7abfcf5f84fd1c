using Crowd.Consensus.Domain;

namespace Crowd.Services.Tests.Consensus;

public sealed class LabelAgreementTests
{
    [Test]
    public void Share_IsTheFractionOfAnnotationsEqualToTheFinalLabel()
    {
        Assert.That(LabelAgreement.Share(["a", "b", "a", "a"], "a"), Is.EqualTo(0.75));
        Assert.That(LabelAgreement.Share(["a", "b"], "c"), Is.Zero);
        Assert.That(LabelAgreement.Share([], "a"), Is.Zero);
    }
}
