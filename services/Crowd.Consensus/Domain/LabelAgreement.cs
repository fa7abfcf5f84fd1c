namespace Crowd.Consensus.Domain;

public static class LabelAgreement
{
    /// <summary>Share of the annotations that equal <paramref name="finalLabel"/>: API.md's <c>agreement</c>.</summary>
    public static double Share(IReadOnlyList<string> labels, string finalLabel) =>
        labels.Count == 0 ? 0 : (double)labels.Count(l => l == finalLabel) / labels.Count;
}
