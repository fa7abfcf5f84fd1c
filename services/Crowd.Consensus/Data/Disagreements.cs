using Crowd.Consensus.Domain;
using Crowd.Data;
using Crowd.ServiceDefaults.Errors;

namespace Crowd.Consensus.Data;

/// <summary>
/// A disagreement's review state, locked, with the database's clock so that leases are judged on one clock, as seen by one
/// reviewer: whether its task holds an annotation of theirs (a reviewer may not judge their own work).
/// </summary>
public sealed record DisagreementLock(
    Guid DisagreementId, Guid TaskId, string Status, string? ClaimedBy, DateTime? ClaimExpiresAt, DateTime Now, bool HoldsReviewersAnnotation);

public static class Disagreements
{
    public const string Open = "open";
    public const string Resolved = "resolved";
    public const string Claimed = "claimed";

    /// <summary>
    /// The status a reviewer sees: <c>claimed</c> while an open disagreement's lease runs. Computed rather than stored, so an
    /// ended lease needs no sweeper; a SQL expression over <c>disagreements</c>, for the list's filter and its answer alike.
    /// </summary>
    public const string ShownStatus = $"CASE WHEN status = '{Open}' AND claim_expires_at > now() THEN '{Claimed}' ELSE status END";

    /// <summary>The disagreement, locked against another reviewer's claim or resolution, as <paramref name="reviewer"/> sees it; not found is a 404.</summary>
    public static async Task<DisagreementLock> LockDisagreementAsync(this UnitOfWork work, Guid disagreementId, string reviewer) =>
        await work.QuerySingleOrDefaultAsync<DisagreementLock>("""
            SELECT d.disagreement_id, d.task_id, d.status, d.claimed_by, d.claim_expires_at, now() AS now,
                   EXISTS (SELECT 1 FROM annotations a WHERE a.task_id = d.task_id AND a.worker_id = @reviewer) AS holds_reviewers_annotation
            FROM disagreements d WHERE d.disagreement_id = @disagreementId FOR UPDATE OF d
            """, new { disagreementId, reviewer })
        ?? throw new NotFoundException($"Disagreement {disagreementId} was not found.");

    /// <summary>
    /// Refuses (409) a reviewer while another reviewer's lease on the disagreement runs, once it is resolved, and always to
    /// a reviewer who annotated its task (separation of duties: nobody settles a dispute over their own answer).
    /// </summary>
    public static void EnsureReviewableBy(this DisagreementLock disagreement, string reviewer)
    {
        if (disagreement.Status == Resolved)
        {
            throw new ConflictException($"Disagreement {disagreement.DisagreementId} is already resolved.");
        }

        if (disagreement.HoldsReviewersAnnotation)
        {
            throw new ConflictException(
                $"Disagreement {disagreement.DisagreementId} holds an annotation of yours; another reviewer must settle it.", "own-annotation");
        }

        if (ReviewLease.IsHeldByAnother(disagreement.ClaimedBy, disagreement.ClaimExpiresAt, reviewer, disagreement.Now))
        {
            throw new ConflictException(
                $"Disagreement {disagreement.DisagreementId} is claimed by another reviewer until {disagreement.ClaimExpiresAt:O}.");
        }
    }
}
