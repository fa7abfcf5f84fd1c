using Crowd.Consensus.Domain;
using Crowd.Data;
using Crowd.ServiceDefaults.Errors;

namespace Crowd.Consensus.Data;

/// <summary>A disagreement's review state, locked, with the database's clock so that leases are judged on one clock.</summary>
public sealed record DisagreementLock(Guid DisagreementId, Guid TaskId, string Status, string? ClaimedBy, DateTime? ClaimExpiresAt, DateTime Now);

public static class Disagreements
{
    public const string Open = "open";
    public const string Resolved = "resolved";

    /// <summary>
    /// The status a reviewer sees: <c>claimed</c> while an open disagreement's lease runs. Computed rather than stored, so an
    /// ended lease needs no sweeper; a SQL expression over <c>disagreements</c>, for the list's filter and its answer alike.
    /// </summary>
    public const string ShownStatus = "CASE WHEN status = 'open' AND claim_expires_at > now() THEN 'claimed' ELSE status END";

    /// <summary>The disagreement, locked against another reviewer's claim or resolution; not found is a 404.</summary>
    public static async Task<DisagreementLock> LockDisagreementAsync(this UnitOfWork work, Guid disagreementId) =>
        await work.QuerySingleOrDefaultAsync<DisagreementLock>("""
            SELECT disagreement_id, task_id, status, claimed_by, claim_expires_at, now() AS now
            FROM disagreements WHERE disagreement_id = @disagreementId FOR UPDATE
            """, new { disagreementId })
        ?? throw new NotFoundException($"Disagreement {disagreementId} was not found.");

    /// <summary>Refuses (409) a reviewer while another reviewer's lease on the disagreement runs, or once it is resolved.</summary>
    public static void EnsureReviewableBy(this DisagreementLock disagreement, string reviewer)
    {
        if (disagreement.Status == Resolved)
        {
            throw new ConflictException($"Disagreement {disagreement.DisagreementId} is already resolved.");
        }

        if (ReviewLease.IsHeldByAnother(disagreement.ClaimedBy, disagreement.ClaimExpiresAt, reviewer, disagreement.Now))
        {
            throw new ConflictException(
                $"Disagreement {disagreement.DisagreementId} is claimed by another reviewer until {disagreement.ClaimExpiresAt:O}.");
        }
    }
}
