using System.Text.Json;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>
/// Any subset of the classes (API.md: "the same decision per class"). Each class is a binary question, present or absent,
/// decided by the engine's online decision with the annotators' one-coin reliabilities (uniform prior, a tie is absent).
/// The task is accepted once it has redundancy.min annotations and every class's posterior for its chosen side reaches
/// the threshold; the final label lists the classes decided present, in schema order; <c>confidence</c> is the smallest
/// of those posteriors; <c>agreement</c> is the share of annotations that equal the final label as sets.
/// </summary>
/// <remarks>
/// Multilabel tasks teach no reliability. The one-coin accuracy is the chance of naming the right one of the schema's
/// classes, and classification's posterior and the suspension rule use it so; a presence question is another question,
/// mostly answered "absent" and so easy to get right by naming nothing: counting those answers as evidence would raise
/// the accuracy of exactly the careless workers, and change the classification decisions of the workers who do both.
/// Gold multilabel tasks still pay and show in the agreement's <c>goldAccuracy</c>.
/// </remarks>
public sealed class MultilabelKind : IConsensusKind
{
    public string Kind => LabelPayloads.Multilabel;

    public KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf)
    {
        var sets = annotations.Select(a => Labels(a.Payload)).ToList();
        var present = new List<string>();
        var confidence = 1.0;
        foreach (var name in policy.Classes)
        {
            var votes = annotations.Select((a, i) => new Annotation(a.WorkerId, sets[i].Contains(name) ? Present : Absent)).ToList();
            var decision = OnlineDecision.Decide(votes, reliabilityOf, 2, policy.DecisionPolicy());
            confidence = Math.Min(confidence, decision.Confidence);
            if (decision.Candidate == Present)
            {
                present.Add(name);
            }
        }

        var final = Payload(present);
        var agreement = this.Agreement(policy, annotations.Select(a => a.Payload).ToList(), final);
        return new KindDecision(
            ConsensusKinds.Outcome(policy, annotations.Count, confidence >= policy.AcceptanceThreshold), final, confidence, agreement);
    }

    public bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) => LabelAgreement.SameClasses(payload, finalLabel);

    /// <summary>
    /// Each class's presence given against its presence in the final label, as the decision votes them, each lesson a
    /// 1/n share of one answer (n classes), so a multilabel answer counts as much as a classification one.
    /// </summary>
    public IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel)
    {
        var given = Labels(payload);
        var right = Labels(finalLabel);
        return policy.Classes
            .Select(name => new ReliabilityLesson(given.Contains(name) ? Present : Absent, right.Contains(name) ? Present : Absent, 2, 1.0 / policy.Classes.Count))
            .ToList();
    }

    public BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations) =>
        BatchAgreement.WithoutClassStatistics(alpha: null, annotations, (payload, answer) => Agrees(policy, payload, answer));

    private const int Absent = 0;
    private const int Present = 1;

    private static JsonElement Payload(IReadOnlyList<string> labels) => JsonSerializer.SerializeToElement(new { labels });

    private static HashSet<string> Labels(JsonElement payload) =>
        payload.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToHashSet(StringComparer.Ordinal);
}
