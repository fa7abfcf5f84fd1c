using System.Security.Claims;
using System.Text.Json;
using Crowd.Assignment.Data;
using Crowd.Assignment.Domain;
using Crowd.Assignment.Options;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Data.Observability;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Crowd.ServiceDefaults.Throttling;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Crowd.Assignment.Api;

public sealed record SubmissionRequest
{
    public JsonElement? Annotation { get; init; }
}

public sealed class SubmissionValidator : AbstractValidator<SubmissionRequest>
{
    // Whether the payload fits the task's label schema is known only with the task: that is a 422 from the handler.
    public SubmissionValidator() => RuleFor(s => s.Annotation).NotNull();
}

public sealed record ClaimContent(string ContentUri, SliceRange? Slice, TileRegion? Tile);

public sealed record ClaimView(
    Guid ClaimId, Guid TaskId, Guid BatchId, JsonElement LabelSchema, string? GuidelinesUrl, ClaimContent Content, long RewardCents,
    DateTime LeaseExpiresAt);

public sealed record LeaseView(Guid ClaimId, DateTime LeaseExpiresAt);

public sealed record SubmissionAccepted(Guid AnnotationId, Guid ClaimId);

public static class ClaimsApi
{
    public static IEndpointRouteBuilder MapClaimsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/workers", Roles.Worker).WithTags("Claims").MapPost("/{workerId}/claims", ClaimAsync)
            .RequireRateLimiting(RateLimits.Claims);
        var claims = app.MapGroupFor("/v1/claims", Roles.Worker).WithTags("Claims");
        claims.MapPost("/{claimId:guid}/submission", SubmitAsync);
        claims.MapPost("/{claimId:guid}/extend", ExtendAsync);
        claims.MapPost("/{claimId:guid}/release", ReleaseAsync);
        return app;
    }

    /// <summary>
    /// 201 with the next task this worker may annotate, leased to them; 204 when none fits; 409 <c>claim-limit</c> while the
    /// worker already holds <see cref="ClaimOptions.MaxOpenClaims"/> open claims.
    /// </summary>
    private static async Task<IResult> ClaimAsync(
        string workerId, ClaimsPrincipal user, Database database, IOptions<LeaseOptions> lease, IOptions<ClaimOptions> limits)
    {
        if (user.Id() != workerId)
        {
            throw new NotFoundException($"Worker {workerId} was not found.");
        }

        // The claim commits with its disclosure's audit event (the answer hands the worker a reference to patient data).
        var maxOpenClaims = limits.Value.MaxOpenClaims;
        var (claimed, standing) = await database.ClaimNextAsync(workerId, user.ActingAs(Roles.Worker), lease.Value.Duration, maxOpenClaims);
        if (claimed is null)
        {
            var (outcome, refusal) = standing switch
            {
                null => ("no-profile", new ConflictException($"Worker {workerId} has no profile: PUT /v1/workers/{workerId} first.")),
                { Status: "suspended" } => ("suspended", new ConflictException($"Worker {workerId} is suspended and gets no tasks.")),
                { OpenClaims: var open } when open >= maxOpenClaims => ("claim-limit", new ConflictException(
                    $"Worker {workerId} holds {open} open claims, the most at once: submit or release one first.", "claim-limit")),
                _ => ("none", null),
            };
            CrowdMetrics.Claims.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            return refusal is null ? Results.NoContent() : throw refusal;
        }

        CrowdMetrics.Claims.Add(1, new KeyValuePair<string, object?>("outcome", claimed.IsExamQuestion ? "exam-question" : "claimed"));
        return Results.Created($"/v1/claims/{claimed.ClaimId}", claimed.ToView());
    }

    /// <summary>
    /// Stores the annotation and announces it, in one transaction, if the claim is this worker's and still leased. The claim
    /// is read, locked and submitted in one statement; an annotation that does not fit the task's schema is then refused
    /// and the transaction rolled back, so a refused submission changes nothing.
    /// </summary>
    private static async Task<IResult> SubmitAsync(Guid claimId, SubmissionRequest request, ClaimsPrincipal user, Database database, TimeProvider time)
    {
        await using var work = await database.BeginAsync();
        var annotationId = Guid.CreateVersion7();
        var submittedAt = DateTimeOffset.UtcNow;
        var payload = request.Annotation!.Value;
        if (await work.SubmitAsync(claimId, user.Id(), annotationId, payload.GetRawText(), submittedAt) is not var (claim, stored))
        {
            return await ExamsApi.SubmitAsync(work, await FindExamClaimAsync(work, claimId, user), request.Annotation, user, time);
        }

        if (!stored)
        {
            EnsureLeased(claim.ClaimId, claim.Status, claim.LeaseExpiresAt, submittedAt.UtcDateTime);
            throw new InvalidOperationException($"Claim {claimId} was leased at {submittedAt:O} and still not submitted.");
        }

        var content = claim.Content;
        if (AnnotationSchema.Misfit(JsonDocument.Parse(claim.LabelSchema).RootElement, payload, content.Slice, content.Tile) is var (field, message))
        {
            throw new UnprocessableException(field, message); // before the commit: the stored annotation rolls back
        }

        work.Publish(new AnnotationSubmitted
        {
            AnnotationId = annotationId,
            ClaimId = claimId,
            TaskId = claim.TaskId,
            BatchId = claim.BatchId,
            WorkerId = claim.WorkerId,
            Payload = payload,
            RewardCents = claim.RewardCents,
            Policy = JsonSerializer.Deserialize<TaskPolicy>(claim.Policy, JsonSerializerOptions.Web)!,
            SubmittedAt = submittedAt,
            Content = content,
        });
        await work.PublishDrainedAsync(claim);
        await work.CommitAsync();
        return Results.Accepted(value: new SubmissionAccepted(annotationId, claimId));
    }

    private static async Task<LeaseView> ExtendAsync(Guid claimId, ClaimsPrincipal user, Database database, IOptions<LeaseOptions> lease)
    {
        await using var work = await database.BeginAsync();
        var claim = await work.FindClaimAsync(claimId, user.Id(), forUpdate: true);
        if (claim is null)
        {
            return await ExamsApi.ExtendAsync(work, await FindExamClaimAsync(work, claimId, user), lease.Value);
        }

        EnsureLeased(claim);
        if (claim.BatchCancelled)
        {
            // The lease may run out, never be renewed: the batch's escrow returns once its last claim ends.
            throw new ConflictException($"Batch {claim.BatchId} was cancelled: claim {claimId} may be submitted until {claim.LeaseExpiresAt:O}, not extended.");
        }

        var expiresAt = await work.QuerySingleAsync<DateTime>("""
            UPDATE claims SET lease_expires_at = least(now() + @duration, claimed_at + @maxTotal)
            WHERE claim_id = @claimId
            RETURNING lease_expires_at
            """, new { claimId, duration = lease.Value.Duration, maxTotal = lease.Value.MaxTotal });
        await work.CommitAsync();
        return new LeaseView(claimId, expiresAt);
    }

    /// <summary>The worker gives the task back: its slot returns to the pool (the worker will not be offered it again).</summary>
    private static async Task<IResult> ReleaseAsync(Guid claimId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        var claim = await work.FindClaimAsync(claimId, user.Id(), forUpdate: true);
        if (claim is null)
        {
            return await ExamsApi.ReleaseAsync(work, await FindExamClaimAsync(work, claimId, user));
        }

        EnsureLeased(claim);
        await work.ExecuteAsync("""
            UPDATE claims SET status = 'released', finished_at = now() WHERE claim_id = @claimId;
            UPDATE pool_tasks SET open_slots = open_slots + 1 WHERE task_id = @TaskId AND status = 'open';
            """, new { claimId, claim.TaskId });
        await work.PublishDrainedAsync(claim);
        await work.CommitAsync();
        return Results.NoContent();
    }

    /// <summary>A claim that is not a pool task's may be an exam question's (API.md: exam questions are claimed like tasks).</summary>
    private static async Task<ExamClaimRow> FindExamClaimAsync(UnitOfWork work, Guid claimId, ClaimsPrincipal user) =>
        await work.FindExamClaimAsync(claimId, user.Id(), forUpdate: true) ?? throw new NotFoundException($"Claim {claimId} was not found.");

    private static void EnsureLeased(ClaimRow claim) => EnsureLeased(claim.ClaimId, claim.Status, claim.LeaseExpiresAt);

    /// <summary>409 unless the claim is active and its lease has not run out (at <paramref name="at"/>; now when not given).</summary>
    public static void EnsureLeased(Guid claimId, string status, DateTime leaseExpiresAt, DateTime? at = null)
    {
        if (status != "active")
        {
            throw new ConflictException($"Claim {claimId} is {status}.", status);
        }

        if (leaseExpiresAt <= (at ?? DateTime.UtcNow))
        {
            throw new ConflictException($"The lease of claim {claimId} expired at {leaseExpiresAt:O}.");
        }
    }
}
