using Crowd.Consensus.Domain;

namespace Crowd.Services.Tests.Consensus;

public sealed class MajorityShareRuleTests
{
    private static readonly string[] Classes = ["nodule", "no-nodule", "unsure"];

    [Test]
    public void Decide_EnoughAgreeingAnnotations_Accepts()
    {
        var decision = MajorityShareRule.Decide(["nodule", "nodule", "no-nodule"], Classes, 3, 7, 0.6);
        Assert.That(decision, Is.EqualTo(new Decision(Verdict.Accept, "nodule", 2.0 / 3, 2.0 / 3)));
    }

    [Test]
    public void Decide_FewerThanMin_AsksForMoreEvenWhenUnanimous()
    {
        Assert.That(MajorityShareRule.Decide(["nodule", "nodule"], Classes, 3, 7, 0.6).Verdict, Is.EqualTo(Verdict.More));
    }

    [Test]
    public void Decide_ShareBelowThreshold_AsksForMoreUntilMaxThenEscalates()
    {
        Assert.That(MajorityShareRule.Decide(["nodule", "no-nodule", "unsure"], Classes, 3, 4, 0.75).Verdict, Is.EqualTo(Verdict.More));
        Assert.That(MajorityShareRule.Decide(["nodule", "no-nodule", "unsure", "nodule"], Classes, 3, 4, 0.75).Verdict, Is.EqualTo(Verdict.Escalate));
    }

    [Test]
    public void Decide_AtMaxWithEnoughShare_AcceptsRatherThanEscalates()
    {
        Assert.That(MajorityShareRule.Decide(["unsure", "unsure", "unsure", "nodule"], Classes, 3, 4, 0.75).Verdict, Is.EqualTo(Verdict.Accept));
    }

    [Test]
    public void Decide_Tie_GoesToTheClassListedFirstWhateverTheArrivalOrder()
    {
        var one = MajorityShareRule.Decide(["unsure", "no-nodule"], Classes, 1, 3, 0.5);
        var other = MajorityShareRule.Decide(["no-nodule", "unsure"], Classes, 1, 3, 0.5);
        Assert.That(one.Candidate, Is.EqualTo("no-nodule"));
        Assert.That(other.Candidate, Is.EqualTo(one.Candidate));
    }

    [Test]
    public void Agreement_IsShareOfAnnotationsEqualToTheFinalLabel()
    {
        Assert.That(MajorityShareRule.Agreement(["a", "b", "a", "a"], "a"), Is.EqualTo(0.75));
        Assert.That(MajorityShareRule.Agreement([], "a"), Is.Zero);
    }
}
