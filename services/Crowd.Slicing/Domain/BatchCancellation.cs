namespace Crowd.Slicing.Domain;

/// <summary>What a cancel request does to a batch in a given status.</summary>
public enum CancelOutcome
{
    /// <summary>The batch stops now: status <c>cancelled</c>, BatchCancelled published.</summary>
    Cancel,

    /// <summary>Cancelled already: the request is answered as accepted and changes nothing, so a client may repeat it.</summary>
    AlreadyCancelled,

    /// <summary>The batch has ended otherwise (completed or rejected): there is nothing left to cancel, a 409.</summary>
    Refused,
}

public static class BatchCancellation
{
    /// <summary>
    /// Only a batch that may still take work can be cancelled: one waiting for funding (so escrow is never held, or is
    /// returned) or one open to workers.
    /// </summary>
    public static CancelOutcome Decide(string status) => status switch
    {
        BatchStatus.PendingFunding or BatchStatus.Open => CancelOutcome.Cancel,
        BatchStatus.Cancelled => CancelOutcome.AlreadyCancelled,
        _ => CancelOutcome.Refused,
    };
}
