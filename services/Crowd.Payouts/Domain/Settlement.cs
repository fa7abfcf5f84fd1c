namespace Crowd.Payouts.Domain;

/// <summary>How far a funded batch has come towards returning its unspent escrow.</summary>
/// <param name="JudgedTaskCount">Tasks whose annotations have been paid.</param>
/// <param name="ExpectedTaskCount">The completed batch's finalized tasks (BatchCompleted); null until it completes.</param>
/// <param name="DrainedAnnotationCount">Every annotation of the cancelled, drained batch (BatchDrained); null until then.</param>
/// <param name="PaidAnnotationCount">Annotations of the batch paid so far.</param>
/// <param name="ExpectedAnnotationCount">
/// The completed batch's judged annotations (BatchCompleted, from consensus's stable labels: a revisited task's extra
/// annotations are judged after its task was first judged); null until it completes, or from a sender that predates it.
/// </param>
public sealed record SettlementProgress(
    int JudgedTaskCount, int? ExpectedTaskCount, int? DrainedAnnotationCount, long PaidAnnotationCount, int? ExpectedAnnotationCount = null);

public static class Settlement
{
    /// <summary>
    /// Escrow goes back once nothing more can be paid from it: a completed batch once each finalized task is judged and
    /// each annotation consensus counted is paid;
    /// a cancelled one once it is drained (no claim can submit any more) and each of its annotations is paid. Before
    /// that, settling would leave an annotation still owed with nothing to pay it from.
    /// </summary>
    public static bool IsDue(SettlementProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return progress.ExpectedTaskCount is { } expected && progress.JudgedTaskCount >= expected
                && progress.PaidAnnotationCount >= (progress.ExpectedAnnotationCount ?? 0)
            || progress.DrainedAnnotationCount is { } submitted && progress.PaidAnnotationCount >= submitted;
    }
}
