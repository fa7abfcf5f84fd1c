using Crowd.Payouts.Audit;

namespace Crowd.Services.Tests.Payouts;

/// <summary>Who may record what in the audit chain: each service its own acts, nobody else anything.</summary>
public class AuditSendersTests
{
    [TestCase("slicing", "batch.open")]
    [TestCase("assignment", "content.disclosed")]
    [TestCase("assignment", "worker.suspended")]
    [TestCase("assignment", "qualification.granted")]
    [TestCase("consensus", "content.disclosed")]
    [TestCase("consensus", "qa.resolved")]
    [TestCase("payouts", "money.deposit")]
    [TestCase("staging.payouts", "money.reward")]
    public void RefusalOf_AServiceRecordingItsOwnAct_IsNone(string sender, string action) =>
        Assert.That(AuditSenders.RefusalOf(sender, action), Is.Null);

    [TestCase("slicing", "money.deposit", "does not record")]
    [TestCase("consensus", "batch.completed", "does not record")]
    [TestCase("assignment", "content.disclosedx", "does not record")]
    [TestCase("payouts", "qa.resolved", "does not record")]
    [TestCase("crowd", "money.deposit", "is not a service")]
    [TestCase("payouts.evil", "money.deposit", "is not a service")]
    [TestCase(null, "money.deposit", "names no sender")]
    public void RefusalOf_AnyoneElse_SaysWhy(string? sender, string action, string reason) =>
        Assert.That(AuditSenders.RefusalOf(sender, action), Does.Contain(reason));
}
