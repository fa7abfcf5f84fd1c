namespace Crowd.Slicing.Domain;

/// <summary>API.md's status flow: pending-funding → open | rejected | cancelled; open → completed | cancelled.</summary>
public static class BatchStatus
{
    public const string PendingFunding = "pending-funding";
    public const string Open = "open";
    public const string Rejected = "rejected";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [PendingFunding, Open, Rejected, Completed, Cancelled];
}
