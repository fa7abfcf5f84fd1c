namespace Crowd.Consensus.Options;

public sealed class QaOptions
{
    /// <summary>How long a QA reviewer's claim on a disagreement keeps other reviewers out; claiming again renews it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(30);
}
