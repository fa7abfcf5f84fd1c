using Crowd.Contracts.Annotations;
using Crowd.Payouts.Domain;

namespace Crowd.Services.Tests.Payouts;

public sealed class AnnotationPaymentsTests
{
    private static readonly Guid BatchId = Guid.CreateVersion7();
    private static readonly Account Escrow = Account.Escrow(BatchId, "requester-1");

    [Test]
    public void For_AgreeingAndDisagreeing_BonusOnlyForTheAgreeingOneKeyedByItsAnnotation()
    {
        var judged = Judged(true, false);
        var movements = AnnotationPayments.For(judged, Escrow, new PayTerms(FeeCentsPerAnnotation: 4, BonusCents: 20, FeeCentsPerBonus: 2));
        var agreeing = judged.Annotations[0].AnnotationId;

        Assert.That(movements.Select(m => m.IdempotencyKey), Is.EqualTo(new[]
        {
            $"reward:{agreeing}", $"bonus:{agreeing}", $"reward:{judged.Annotations[1].AnnotationId}",
        }));
        var bonus = movements.Single(m => m.Kind == "bonus");
        Assert.That(bonus.AnnotationId, Is.EqualTo(agreeing));
        Assert.That(bonus.Entries.Select(e => (e.Account.Id, e.AmountCents)), Is.EquivalentTo(new[]
        {
            (Escrow.Id, -22L), (Account.WorkerPayable("worker-0").Id, 20L), (Account.PlatformFees.Id, 2L),
        }));
        Assert.That(movements.All(m => m.Entries.Sum(e => e.AmountCents) == 0), Is.True);
    }

    [Test]
    public void For_NoBonus_RewardsOnly() =>
        Assert.That(AnnotationPayments.For(Judged(true, true), Escrow, new PayTerms(4, 0, 0)).Select(m => m.Kind), Is.EqualTo(new[] { "reward", "reward" }));

    [Test]
    public void For_BonusFeeRoundsToZero_NoEmptyFeeLeg()
    {
        var bonus = AnnotationPayments.For(Judged(true), Escrow, new PayTerms(4, 5, 0)).Single(m => m.Kind == "bonus");
        Assert.That(bonus.Entries.Select(e => e.AmountCents), Is.EquivalentTo(new[] { -5L, 5L }));
    }

    private static AnnotationsJudged Judged(params bool[] agrees) => new()
    {
        TaskId = Guid.CreateVersion7(),
        BatchId = BatchId,
        Annotations = [.. agrees.Select((agree, i) => new JudgedAnnotation
        {
            AnnotationId = Guid.CreateVersion7(), WorkerId = $"worker-{i}", RewardCents = 40, AgreesWithFinal = agree,
        })],
    };
}
