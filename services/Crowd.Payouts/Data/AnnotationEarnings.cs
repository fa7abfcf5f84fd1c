using Crowd.Data;

namespace Crowd.Payouts.Data;

/// <summary>An annotation a worker is owed for, as payouts knows it: the reward it will pay, and whether it has.</summary>
public sealed record EarnedAnnotation(Guid AnnotationId, string WorkerId, Guid BatchId, long RewardCents);

/// <summary>
/// Each annotation's earnings row (<c>annotation_earnings</c>), written by both of the messages that concern it. Both
/// writes are upserts on the annotation id, so the second waits for the first's row and sees it; the state only moves
/// forward (submitted → paid), so whichever comes first, or both at once, the annotation ends paid once it is judged.
/// </summary>
public static class AnnotationEarnings
{
    public const string Submitted = "submitted";
    public const string Paid = "paid";

    /// <summary>
    /// The annotations were submitted: pending, unless their judgement got here first. Rows are written in id order, as
    /// <see cref="RecordPaidAsync"/> writes them, so the two cannot deadlock over overlapping annotations.
    /// </summary>
    public static Task RecordSubmittedAsync(this UnitOfWork work, IEnumerable<(EarnedAnnotation Annotation, DateTimeOffset SubmittedAt)> submissions)
    {
        var ordered = submissions.DistinctBy(s => s.Annotation.AnnotationId).OrderBy(s => s.Annotation.AnnotationId).ToArray();
        return work.ExecuteAsync("""
            INSERT INTO annotation_earnings (annotation_id, worker_id, batch_id, reward_cents, state, submitted_at)
            SELECT a.annotation_id, a.worker_id, a.batch_id, a.reward_cents, 'submitted', a.submitted_at
            FROM unnest(@ids, @workers, @batches, @rewards, @submittedAts) AS a(annotation_id, worker_id, batch_id, reward_cents, submitted_at)
            ORDER BY a.annotation_id
            ON CONFLICT (annotation_id) DO UPDATE SET submitted_at = excluded.submitted_at
            """, new
        {
            ids = ordered.Select(s => s.Annotation.AnnotationId).ToArray(),
            workers = ordered.Select(s => s.Annotation.WorkerId).ToArray(),
            batches = ordered.Select(s => s.Annotation.BatchId).ToArray(),
            rewards = ordered.Select(s => s.Annotation.RewardCents).ToArray(),
            submittedAts = ordered.Select(s => s.SubmittedAt.UtcDateTime).ToArray(),
        });
    }

    /// <summary>
    /// The annotations' rewards are posted in this transaction: they are paid, whether or not their submission has
    /// arrived. Rows are written in id order, so two transactions paying overlapping sets cannot deadlock.
    /// </summary>
    public static Task RecordPaidAsync(this UnitOfWork work, IEnumerable<EarnedAnnotation> annotations)
    {
        var ordered = annotations.OrderBy(a => a.AnnotationId).ToArray();
        return work.ExecuteAsync("""
            INSERT INTO annotation_earnings (annotation_id, worker_id, batch_id, reward_cents, state, paid_at)
            SELECT a.annotation_id, a.worker_id, a.batch_id, a.reward_cents, 'paid', now()
            FROM unnest(@ids, @workers, @batches, @rewards) AS a(annotation_id, worker_id, batch_id, reward_cents)
            ORDER BY a.annotation_id
            ON CONFLICT (annotation_id) DO UPDATE SET state = 'paid', paid_at = coalesce(annotation_earnings.paid_at, excluded.paid_at)
            """, new
        {
            ids = ordered.Select(a => a.AnnotationId).ToArray(),
            workers = ordered.Select(a => a.WorkerId).ToArray(),
            batches = ordered.Select(a => a.BatchId).ToArray(),
            rewards = ordered.Select(a => a.RewardCents).ToArray(),
        });
    }

    /// <summary>
    /// Annotations that the ledger has paid (a <c>reward:{id}</c> transaction) and the worker's earnings still show as
    /// pending: 0 unless the two facts passed each other.
    /// </summary>
    public const string PaidButPendingSql = """
        SELECT count(*) FROM annotation_earnings e
        WHERE e.state = 'submitted'
          AND EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.idempotency_key = 'reward:' || e.annotation_id::text)
        """;
}
