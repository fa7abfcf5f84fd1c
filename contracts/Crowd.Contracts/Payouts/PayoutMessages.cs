namespace Crowd.Contracts.Payouts;

/// <summary>A payout run moved a worker's payable balance out of the platform.</summary>
public sealed record PayoutIssued
{
    public required Guid RunId { get; init; }
    public required string WorkerId { get; init; }
    public required long AmountCents { get; init; }
}
