using Crowd.Consensus.Domain;

namespace Crowd.Services.Tests.Consensus;

/// <summary>
/// A batch small enough to work out by hand. Schema classes a, b, c (c never chosen). In submission order:
/// <code>
/// T1 final a : w1 a, w2 a, w3 a
/// T2 final b : w1 b, w2 b, w3 a
/// T3 no final: w1 a, w2 b, w3 b, w4 a   (a fourth annotation: more was asked for)
/// T4 no final: w4 b                     (one annotation: nothing to agree with)
/// G1 gold, a : w1 a, w2 b, w5 a         (gold: workers' accuracy only, never agreement)
/// </code>
/// Fleiss over each task's first 3 (T1, T2, T3 cut to a, b, b): counts (3,0) (1,2) (1,2); P̄ = (1 + 1/3 + 1/3) / 3 = 5/9,
/// p = (5/9, 4/9), Pe = 41/81, kappa = (45/81 - 41/81) / (40/81) = 0.1; per class a: 1 - (0 + 2 + 2) / (3·3·2·(5/9)(4/9)) = 0.1,
/// b the same (two classes in use), c undefined.
/// Krippendorff over every annotation of T1..T3 (10 pairable values, 6 a and 4 b): disagreeing ordered pairs / (m_u - 1) are
/// 0, 4/2 and 8/3, so D_o = (14/3) / 10 = 7/15, D_e = (100 - 36 - 16) / 90 = 8/15, alpha = 1 - 7/8 = 0.125.
/// (Had Fleiss pooled all four of T3's annotations, its counts would be (2,2) and kappa another number.)
/// </summary>
public sealed class BatchAgreementTests
{
    private static readonly string[] Classes = ["a", "b", "c"];
    private static readonly Guid T1 = new("00000000-0000-0000-0000-000000000001");
    private static readonly Guid T2 = new("00000000-0000-0000-0000-000000000002");
    private static readonly Guid T3 = new("00000000-0000-0000-0000-000000000003");
    private static readonly Guid T4 = new("00000000-0000-0000-0000-000000000004");
    private static readonly Guid G1 = new("00000000-0000-0000-0000-0000000000a1");

    private static readonly BatchAnnotation[] Example =
    [
        new(T1, "w1", "a", false, "a"), new(T1, "w2", "a", false, "a"), new(T1, "w3", "a", false, "a"),
        new(T2, "w1", "b", false, "b"), new(T2, "w2", "b", false, "b"), new(T2, "w3", "a", false, "b"),
        new(T3, "w1", "a", false, null), new(T3, "w2", "b", false, null), new(T3, "w3", "b", false, null), new(T3, "w4", "a", false, null),
        new(T4, "w4", "b", false, null),
        new(G1, "w1", "a", true, "a"), new(G1, "w2", "b", true, "a"), new(G1, "w5", "a", true, "a"),
    ];

    [Test]
    public void Compute_HandWorkedBatch_FleissOverFirstCommonCountAndAlphaOverAll()
    {
        var view = BatchAgreement.Compute(Classes, Example);

        Assert.That(view.FleissKappa, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(view.KrippendorffAlpha, Is.EqualTo(0.125).Within(1e-12));
        Assert.That(view.PerClass!.Keys, Is.EqualTo(Classes));
        Assert.That(view.PerClass["a"].Kappa, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(view.PerClass["b"].Kappa, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(view.PerClass["c"].Kappa, Is.Null);
    }

    [Test]
    public void Compute_HandWorkedBatch_EachWorkerCountedAndScoredSortedById()
    {
        var view = BatchAgreement.Compute(Classes, Example);

        Assert.That(view.Workers, Is.EqualTo(new[]
        {
            new WorkerAgreement("w1", 3, 1.0, 1.0),   // right on T1, T2 and on gold
            new WorkerAgreement("w2", 3, 1.0, 0.0),   // right on T1, T2, wrong on gold
            new WorkerAgreement("w3", 3, 0.5, null),  // right on T1, wrong on T2, no gold
            new WorkerAgreement("w4", 2, null, null), // neither of their tasks is final
            new WorkerAgreement("w5", 0, null, 1.0),  // gold only
        }));
    }

    [Test]
    public void Compute_NoAnnotations_EveryStatisticIsNull()
    {
        var view = BatchAgreement.Compute(Classes, []);

        Assert.That(view.FleissKappa, Is.Null);
        Assert.That(view.KrippendorffAlpha, Is.Null);
        Assert.That(view.PerClass, Is.Null);
        Assert.That(view.Workers, Is.Empty);
    }

    [Test]
    public void Compute_OneAnnotationPerTask_AgreementIsNullButWorkersAreListed()
    {
        var view = BatchAgreement.Compute(Classes, [new(T1, "w1", "a", false, "a"), new(T2, "w2", "b", false, null)]);

        Assert.That(view.FleissKappa, Is.Null);
        Assert.That(view.KrippendorffAlpha, Is.Null);
        Assert.That(view.PerClass, Is.Null);
        Assert.That(view.Workers, Is.EqualTo(new[] { new WorkerAgreement("w1", 1, 1.0, null), new WorkerAgreement("w2", 1, null, null) }));
    }

    [Test]
    public void Compute_GoldAnnotationsOnly_AgreementIsNull()
    {
        // Gold tasks measure workers; the crowd's agreement is over ordinary tasks only.
        var view = BatchAgreement.Compute(Classes, Example.Where(a => a.IsGold).ToArray());

        Assert.That(view.FleissKappa, Is.Null);
        Assert.That(view.KrippendorffAlpha, Is.Null);
    }
}
