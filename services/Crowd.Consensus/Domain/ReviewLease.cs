namespace Crowd.Consensus.Domain;

/// <summary>
/// One QA reviewer at a time per disagreement, like a worker's lease on a claim: while the holder's lease runs, only
/// the holder may claim again (renewing it) or resolve; once it has ended, anyone may.
/// </summary>
public static class ReviewLease
{
    /// <summary>Whether someone other than <paramref name="reviewer"/> holds a lease that is still running at <paramref name="now"/>.</summary>
    public static bool IsHeldByAnother(string? holder, DateTime? expiresAt, string reviewer, DateTime now) =>
        holder is not null && holder != reviewer && expiresAt > now;
}
