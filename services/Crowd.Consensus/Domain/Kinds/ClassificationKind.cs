using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Engine.Online;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Consensus.Domain.Kinds;

/// <summary>
/// One class per task: the class with the highest posterior given each annotator's reliability, accepted once it has
/// redundancy.min annotations and that posterior reaches the threshold (the engine's <see cref="OnlineDecision"/>).
/// A model's prediction (<see cref="ModelVoters"/>) is one more vote with the model's learned reliability, entered as
/// the class prior (the same factor a vote adds to the posterior), so that it never counts toward redundancy.min.
/// </summary>
public sealed class ClassificationKind : IConsensusKind
{
    public string Kind => LabelPayloads.Classification;

    public KindDecision Decide(TaskPolicy policy, IReadOnlyList<KindAnnotation> annotations, Func<string, WorkerReliability> reliabilityOf)
    {
        var decision = OnlineDecision.Decide(
            annotations.Select(a => new Annotation(a.WorkerId, ClassIndex(policy.Classes, a.Payload))).ToList(),
            reliabilityOf, policy.Classes.Count, policy.DecisionPolicy(), ModelVote(policy, reliabilityOf));
        return new KindDecision(decision.Outcome, Payload(policy.Classes[decision.Candidate]), decision.Confidence, decision.Agreement);
    }

    public bool Agrees(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) => LabelAgreement.SameClass(payload, finalLabel);

    /// <summary>The class given against the class judged right: the one-coin model's own evidence.</summary>
    public IReadOnlyList<ReliabilityLesson> Lessons(TaskPolicy policy, JsonElement payload, JsonElement finalLabel) =>
        [new(ClassIndex(policy.Classes, payload), ClassIndex(policy.Classes, finalLabel), policy.Classes.Count)];

    public BatchAgreementView Agreement(TaskPolicy policy, IReadOnlyList<AnsweredAnnotation> annotations) =>
        BatchAgreement.Compute(policy.Classes, annotations
            .Select(a => new BatchAnnotation(a.TaskId, a.WorkerId, Label(a.Read()), a.IsGold, a.ReadAnswer() is { } answer ? Label(answer) : null))
            .ToList());

    public static JsonElement Payload(string label) => JsonSerializer.SerializeToElement(new { label });

    /// <summary>The model's vote as a prior over the classes: P(the model says k | the truth is c), for each c; null without a model.</summary>
    private static double[]? ModelVote(TaskPolicy policy, Func<string, WorkerReliability> reliabilityOf)
    {
        if (policy.Prediction is not { } prediction)
        {
            return null;
        }

        var said = ClassIndex(policy.Classes, prediction.Label);
        var model = reliabilityOf(ModelVoters.Id(prediction));
        return [.. Enumerable.Range(0, policy.Classes.Count).Select(truth => model.Probability(truth, said, policy.Classes.Count))];
    }

    /// <summary>The schema's index of the class a classification payload (<c>{ "label": ... }</c>) names: the engine's class.</summary>
    public static int ClassIndex(IReadOnlyList<string> classes, JsonElement payload) => TaskStore.IndexOf(classes, Label(payload));

    private static string Label(JsonElement payload) => payload.GetProperty("label").GetString()!;
}
