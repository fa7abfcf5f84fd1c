using Crowd.Consensus.Engine.Aggregation;
using Crowd.Consensus.Engine.Online;

namespace Crowd.Consensus.Engine.Tests.Online;

/// <summary>
/// Revisiting (issue 9) on issue 9's own story, made deterministic: four careful workers and two careless ones; on two
/// items the two careless workers shared the item with one careful worker, outvoted it, and the item was decided
/// wrong. Over the whole batch the careless workers agree with nobody, so exactly those two items are disputed, each
/// with the truth as the batch's label.
/// </summary>
public class RevisitTests
{
    private const int Items = 20;
    private static readonly int[] Truth = [.. Enumerable.Range(0, Items).Select(i => i % 2)];

    [Test]
    public void Dispute_TheItemsTwoCarelessWorkersWon_AreDisputedWithTheTruth_AndNothingElse()
    {
        var (batch, decided) = Batch();

        var disputed = Revisit.Dispute(batch, decided, Enumerable.Repeat(0.8, 6).ToArray());

        Assert.That(disputed.Select(d => d.Item), Is.EqualTo(new[] { 18, 19 }));
        Assert.That(disputed.Select(d => d.BatchLabel), Is.EqualTo(new[] { Truth[18], Truth[19] }));
        Assert.That(disputed.Select(d => d.Decided), Is.EqualTo(new[] { 1 - Truth[18], 1 - Truth[19] }));
        Assert.That(disputed.Select(d => d.BatchConfidence), Is.All.GreaterThan(0.9));
    }

    [Test]
    public void Dispute_AnItemNotDecided_IsNeverDisputed()
    {
        var (batch, decided) = Batch();
        decided[18] = -1;

        Assert.That(Revisit.Dispute(batch, decided, Enumerable.Repeat(0.8, 6).ToArray()).Select(d => d.Item), Is.EqualTo(new[] { 19 }));
    }

    [Test]
    public void InitialAccuracy_OfTheWrongLength_IsRefused() =>
        Assert.That(() => DawidSkene.Run(Batch().Batch, new EmOptions { InitialAccuracy = [0.8] }), Throws.ArgumentException);

    /// <summary>
    /// Items 0 to 17: two careful workers (of 0..3, in turn) answer right, one careless worker (4 or 5, in turn) answers
    /// wrong on two items of three; decided right. Items 18 and 19: careful worker 0 right, careless 4 and 5 both wrong;
    /// decided wrong, two votes to one.
    /// </summary>
    private static (CrowdLabels Batch, int[] Decided) Batch()
    {
        var rows = new List<(int Item, int Worker, int Label)>();
        for (var i = 0; i < 18; i++)
        {
            rows.Add((i, i % 4, Truth[i]));
            rows.Add((i, (i + 1) % 4, Truth[i]));
            rows.Add((i, 4 + (i % 2), i % 3 == 0 ? Truth[i] : 1 - Truth[i]));
        }

        foreach (var i in new[] { 18, 19 })
        {
            rows.Add((i, 0, Truth[i]));
            rows.Add((i, 4, 1 - Truth[i]));
            rows.Add((i, 5, 1 - Truth[i]));
        }

        var batch = CrowdLabels.Create(Items, 6, 2, [.. rows.Select(r => r.Item)], [.. rows.Select(r => r.Worker)], [.. rows.Select(r => r.Label)]);
        var decided = Enumerable.Range(0, Items).Select(i => i < 18 ? Truth[i] : 1 - Truth[i]).ToArray();
        return (batch, decided);
    }
}
