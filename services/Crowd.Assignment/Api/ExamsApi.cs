using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Assignment.Options;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Labels;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Crowd.Assignment.Api;

public sealed record ExamStarted(Guid ExamId);

/// <summary>A worker's latest attempt: <c>accuracy</c> null while in progress, <c>retakeAt</c> only after a fail.</summary>
public sealed record ExamView(Guid ExamId, string Status, double? Accuracy, DateTimeOffset? RetakeAt);

public static class ExamsApi
{
    public static IEndpointRouteBuilder MapExamsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/workers", Roles.Worker).WithTags("Exams").MapPost("/{workerId}/exams/{name}", StartAsync);
        app.MapGroup("/v1/workers").RequireAuthorization().WithTags("Exams").MapGet("/{workerId}/exams/{name}", GetAsync);
        return app;
    }

    /// <summary>
    /// Starts an attempt at the qualification's current exam: its questions, picked at random, are the worker's next claims.
    /// 409 when the worker already holds the qualification, has an attempt in progress, or failed and may not retake yet.
    /// </summary>
    private static async Task<IResult> StartAsync(string workerId, string name, ClaimsPrincipal user, Database database, TimeProvider time)
    {
        if (user.Id() != workerId)
        {
            throw new NotFoundException($"Worker {workerId} was not found.");
        }

        await using var work = await database.BeginAsync();
        // Under the worker's claim lock: a start and the worker's claims, or two starts, take turns.
        await work.LockWorkerAsync(workerId);
        var qualifications = await work.FindQualificationsAsync(workerId)
            ?? throw new ConflictException($"Worker {workerId} has no profile: PUT /v1/workers/{workerId} first.");
        var definition = await work.FindDefinitionAsync(name) ?? throw new NotFoundException($"Qualification {name} has no exam.");
        var now = time.GetUtcNow();
        if (Exams.RefuseStart(name, qualifications.Contains(name, StringComparer.Ordinal), await work.FindLatestAttemptAsync(workerId, name), now) is { } refusal)
        {
            throw new ConflictException(refusal);
        }

        var picked = Exams.PickQuestions(definition.ItemIds.Length, definition.QuestionCount, Random.Shared).Select(i => definition.ItemIds[i]).ToList();
        var examId = Guid.CreateVersion7();
        await work.StartAsync(examId, workerId, definition, picked, now);
        await work.CommitAsync();
        return Results.Created($"/v1/workers/{workerId}/exams/{name}", new ExamStarted(examId));
    }

    private static async Task<ExamView> GetAsync(string workerId, string name, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        return user.MayActFor(workerId) && await work.FindLatestAttemptAsync(workerId, name) is { } attempt
            ? new ExamView(attempt.ExamId, attempt.Status, attempt.Accuracy, attempt.RetakeAt)
            : throw new NotFoundException($"Worker {workerId} never took the exam of qualification {name}.");
    }

    /// <summary>
    /// An exam question's answer: checked against the exam's schema, graded against the item's truth and kept in assignment.
    /// Nothing is published, so consensus, payouts and requesters never see it. The last answer ends the attempt: a pass
    /// grants the qualification (audited), a fail sets when it may be retaken. The answer's id is the question's (its taskId).
    /// </summary>
    public static async Task<IResult> SubmitAsync(UnitOfWork work, ExamClaimRow claim, JsonElement? annotation, ClaimsPrincipal user, TimeProvider time)
    {
        ClaimsApi.EnsureLeased(claim.ClaimId, claim.Status, claim.LeaseExpiresAt);
        var schemaJson = JsonDocument.Parse(claim.LabelSchema).RootElement;
        if (AnnotationSchema.Misfit(schemaJson, annotation, ExamItem.Slices(claim.SliceCount), null) is var (field, message))
        {
            throw new UnprocessableException(field, message);
        }

        var now = time.GetUtcNow();
        var correct = Exams.Grade(LabelSchema.From(schemaJson), annotation!.Value, JsonDocument.Parse(claim.Truth).RootElement);
        var progress = await work.AnswerAsync(claim, annotation.Value, correct, now);
        if (progress.Answered == progress.QuestionCount)
        {
            var result = Exams.Finish(progress.Correct, progress.QuestionCount, progress.PassAccuracy, progress.RetakeAfterHours, now);
            await work.FinishAsync(claim.ExamId, progress.WorkerId, progress.Qualification, result);
            if (result.Passed)
            {
                work.Audit(
                    user.ActingAs(Roles.Worker), "qualification.granted", "worker", progress.WorkerId,
                    $"exam {claim.ExamId}: {progress.Qualification}, accuracy {result.Accuracy.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        await work.CommitAsync();
        return Results.Accepted(value: new SubmissionAccepted(claim.QuestionId, claim.ClaimId));
    }

    public static async Task<LeaseView> ExtendAsync(UnitOfWork work, ExamClaimRow claim, LeaseOptions lease)
    {
        ClaimsApi.EnsureLeased(claim.ClaimId, claim.Status, claim.LeaseExpiresAt);
        var expiresAt = await work.ExtendExamClaimAsync(claim.ClaimId, lease.Duration, lease.MaxTotal);
        await work.CommitAsync();
        return new LeaseView(claim.ClaimId, expiresAt);
    }

    /// <summary>The question goes back to the worker: it is among their next claims again.</summary>
    public static async Task<IResult> ReleaseAsync(UnitOfWork work, ExamClaimRow claim)
    {
        ClaimsApi.EnsureLeased(claim.ClaimId, claim.Status, claim.LeaseExpiresAt);
        await work.ReleaseExamClaimAsync(claim.ClaimId);
        await work.CommitAsync();
        return Results.NoContent();
    }
}
