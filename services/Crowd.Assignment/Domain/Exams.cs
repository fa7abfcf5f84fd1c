using System.Text.Json;
using Crowd.Contracts.Tasks;
using Crowd.Labels;

namespace Crowd.Assignment.Domain;

/// <summary>A gold item of a qualification exam: a whole item (no slicing) and the answer it is known to have.</summary>
public sealed record ExamItem(string ExternalId, string ContentUri, int? SliceCount, int? Width, int? Height, JsonElement Truth)
{
    /// <summary>A question is the whole item: a series' every slice, [0, sliceCount); never a tile.</summary>
    public static SliceRange? Slices(int? sliceCount) => sliceCount is { } count ? new SliceRange(0, count) : null;
}

/// <summary>A validated <c>PUT /v1/qualifications/{name}</c>: what the exam asks and how it is passed.</summary>
public sealed record QualificationExam(
    string Name, JsonElement LabelSchema, int QuestionCount, double PassAccuracy, int RetakeAfterHours, IReadOnlyList<ExamItem> Items);

/// <summary>A worker's latest attempt at a qualification's exam, as <c>GET /v1/workers/{id}/exams/{name}</c> shows it.</summary>
public sealed record ExamAttempt(Guid ExamId, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, double? Accuracy, DateTimeOffset? RetakeAt);

/// <summary>How a finished attempt ends: passed or failed, with its accuracy and, when failed, when it may be retaken.</summary>
public sealed record ExamResult(string Status, double Accuracy, DateTimeOffset FinishedAt, DateTimeOffset? RetakeAt)
{
    public bool Passed => Status == Exams.Passed;
}

/// <summary>
/// Qualification exams (API.md "Qualification exams"): whether a worker may start one, which items it asks, how an answer
/// is graded (the kind's own agreement rule, <see cref="LabelAgreement"/>, against the item's truth) and how it ends.
/// </summary>
public static class Exams
{
    public const string InProgress = "in-progress";
    public const string Passed = "passed";
    public const string Failed = "failed";

    /// <summary>
    /// Why the worker may not start an exam now (a 409's detail), or null when they may: they already hold the
    /// qualification, an attempt is in progress, or the last attempt failed and its retake time has not come.
    /// </summary>
    public static string? RefuseStart(string name, bool holdsQualification, ExamAttempt? latest, DateTimeOffset now) =>
        holdsQualification ? $"The worker already holds qualification '{name}'."
        : latest is { Status: InProgress } ? $"Exam {latest.ExamId} for qualification '{name}' is in progress."
        : latest is { Status: Failed, RetakeAt: { } retakeAt } && now < retakeAt
            ? $"The exam for qualification '{name}' was failed; it may be retaken from {retakeAt.UtcDateTime:O}."
        : null;

    /// <summary>
    /// <paramref name="questionCount"/> distinct indexes into the <paramref name="itemCount"/> items, in question order:
    /// the first steps of a Fisher–Yates shuffle, each item as likely as any other in each position.
    /// </summary>
    public static IReadOnlyList<int> PickQuestions(int itemCount, int questionCount, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(questionCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, questionCount);
        var indexes = Enumerable.Range(0, itemCount).ToArray();
        for (var i = 0; i < questionCount; i++)
        {
            var j = random.Next(i, itemCount);
            (indexes[i], indexes[j]) = (indexes[j], indexes[i]);
        }

        return indexes[..questionCount];
    }

    /// <summary>Whether an answer (which fits the schema) is correct: the kind's agreement with the item's truth.</summary>
    public static bool Grade(LabelSchema schema, JsonElement answer, JsonElement truth) => LabelAgreement.Agrees(schema, answer, truth);

    /// <summary>
    /// The end of an attempt once all its questions are answered: accuracy = correct / questionCount; passed when it reaches
    /// <paramref name="passAccuracy"/> (exactly that passes: 9 of 10 at 0.9, whatever binary rounding does to either side),
    /// else failed, retaken no sooner than <paramref name="retakeAfterHours"/> after it finished.
    /// </summary>
    public static ExamResult Finish(int correct, int questionCount, double passAccuracy, int retakeAfterHours, DateTimeOffset finishedAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(questionCount);
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(correct, questionCount);
        var accuracy = (double)correct / questionCount;
        return correct >= (passAccuracy * questionCount) - 1e-9
            ? new ExamResult(Passed, accuracy, finishedAt, null)
            : new ExamResult(Failed, accuracy, finishedAt, finishedAt.AddHours(retakeAfterHours));
    }
}
