using Crowd.Payouts.Audit;

namespace Crowd.Services.Tests.Payouts;

public class AuditChainTests
{
    private static readonly Guid EventId = Guid.Parse("01a218c2-a242-7f55-b2c4-18099b121b04");
    private static readonly DateTime At = new DateTime(2026, 11, 26, 17, 4, 5, DateTimeKind.Utc).AddTicks(1_234_560);
    private const string Detail = "deposit:r:k: external -1234, requester:r:available +1234 (virement reçu)";

    // The documented canonical form, hashed by an independent implementation (Python 3: hashlib.sha256 over
    // json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()), so an auditor outside .NET gets the same.
    // The sender, where there is one, is a tenth field (events chained before senders were checked have none).
    [TestCase(Detail, null, "537229198e69d3db0f8c221659a6561bb6e03f3f1b1c83bef58daee09adc4f62")]
    [TestCase(null, null, "63825cb3588b09bd36034d5f119f4fa3f4384a170b72b3aabf04c7fd9aade768")]
    [TestCase(Detail, "payouts", "154c625aaa34211516521b4cd610e1e48139975fdcab3b8cc58a1b2d7f3835ee")]
    public void Hash_OfTheCanonicalFields_IsWhatAnyJsonLibraryGives(string? detail, string? service, string expected) =>
        Assert.That(Hash(AuditChain.Genesis, detail, service), Is.EqualTo(expected));

    [Test]
    public void Follows_ChangedFieldOrWrongPredecessor_IsRejected()
    {
        var hash = Hash(AuditChain.Genesis, Detail, "payouts");
        var stored = new AuditEvent(
            1, EventId, At, "admin-1", "admin", "money.deposit", "ledger-transaction", "tx-1", Detail, AuditChain.Genesis, hash, "payouts");

        Assert.That(stored.Follows(AuditChain.Genesis), Is.True);
        Assert.That((stored with { Detail = Detail.Replace("1234", "1235", StringComparison.Ordinal) }).Follows(AuditChain.Genesis), Is.False);
        Assert.That((stored with { ActorId = "admin-2" }).Follows(AuditChain.Genesis), Is.False);
        Assert.That((stored with { At = At.AddTicks(10) }).Follows(AuditChain.Genesis), Is.False);
        Assert.That((stored with { Service = "slicing" }).Follows(AuditChain.Genesis), Is.False, "another sender");
        Assert.That(stored.Follows(hash), Is.False, "linked to another predecessor");
    }

    private static string Hash(string previous, string? detail, string? service) =>
        AuditChain.Hash(previous, EventId, At, "admin-1", "admin", "money.deposit", "ledger-transaction", "tx-1", detail, service);
}
