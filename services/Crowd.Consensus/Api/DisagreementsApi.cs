using System.Security.Claims;
using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Options;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Labels;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Api;

/// <summary>A QA decision: the final label, or <c>exclude: true</c> to drop the task from the results; exactly one of them.</summary>
public sealed record ResolutionRequest
{
    public JsonElement? Label { get; init; }
    public bool? Exclude { get; init; }
    public string? Note { get; init; }
}

public sealed class ResolutionValidator : AbstractValidator<ResolutionRequest>
{
    public ResolutionValidator()
    {
        RuleFor(r => r.Label).NotNull().When(r => r.Exclude != true);
        RuleFor(r => r.Exclude).Must(exclude => exclude != true).When(r => r.Label is not null)
            .WithMessage("Give either a label or exclude: true, not both.");
        RuleFor(r => r.Note).MaximumLength(4000);
    }
}

public sealed record DisagreementAnnotation(Guid AnnotationId, string WorkerId, JsonElement Payload, double? WorkerReliability);

/// <summary>A disagreement in the QA list; <see cref="ClaimedBy"/> and <see cref="ClaimExpiresAt"/> are set while a reviewer's claim runs.</summary>
public sealed record DisagreementView(
    Guid DisagreementId, Guid TaskId, Guid BatchId, string Status, JsonElement? Candidate, DateTime CreatedAt,
    string? ClaimedBy, DateTime? ClaimExpiresAt, IReadOnlyList<DisagreementAnnotation> Annotations);

public static partial class DisagreementsApi
{
    private static readonly string[] Statuses = [Disagreements.Open, Disagreements.Claimed, Disagreements.Resolved];

    public static IEndpointRouteBuilder MapDisagreementsApi(this IEndpointRouteBuilder app)
    {
        var qa = app.MapGroupFor("/v1/disagreements", Roles.Qa).WithTags("QA");
        qa.MapGet("/", ListAsync);
        qa.MapPost("/{disagreementId:guid}/claim", ClaimAsync);
        qa.MapPost("/{disagreementId:guid}/resolution", ResolveAsync);
        return app;
    }

    private sealed record DisagreementRow(
        Guid DisagreementId, Guid TaskId, Guid BatchId, string Status, string? Candidate, DateTime CreatedAt, string? ClaimedBy, DateTime? ClaimExpiresAt);

    private static async Task<Page<DisagreementView>> ListAsync(Database database, Guid? batchId, string? status, Guid? after, int? limit)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            throw new UnprocessableException("status", $"Must be one of: {string.Join(", ", Statuses)}.");
        }

        var pageSize = Paging.Limit(limit);
        await using var work = await database.BeginAsync();
        var items = await ViewsAsync(work, batchId, status ?? Disagreements.Open, disagreementId: null, after, pageSize);
        return new Page<DisagreementView>(items, items.Count == pageSize ? items[^1].DisagreementId.ToString() : null);
    }

    /// <summary>Disagreements as QA staff see them: a page of the list, or one (any status) by <paramref name="disagreementId"/>.</summary>
    private static async Task<IReadOnlyList<DisagreementView>> ViewsAsync(
        UnitOfWork work, Guid? batchId, string? status, Guid? disagreementId, Guid? after, int pageSize)
    {
        var rows = (await work.QueryAsync<DisagreementRow>($"""
            SELECT * FROM (
                SELECT disagreement_id, task_id, batch_id, {Disagreements.ShownStatus} AS status, candidate::text AS candidate, created_at,
                       claimed_by, claim_expires_at
                FROM disagreements
                WHERE (@batchId::uuid IS NULL OR batch_id = @batchId)
                  AND (@disagreementId::uuid IS NULL OR disagreement_id = @disagreementId)
                  AND (@after::uuid IS NULL OR disagreement_id > @after)
            ) d
            WHERE @status::text IS NULL OR status = @status
            ORDER BY disagreement_id
            LIMIT @pageSize
            """, new { batchId, status, disagreementId, after, pageSize })).ToList();

        // The page's annotations and their workers' reliabilities in two queries, not two per disagreement.
        var annotations = (await work.AnnotationsAsync(rows.Select(r => r.TaskId).ToArray())).ToLookup(a => a.TaskId);
        var reliabilities = await work.ReliabilitiesAsync(annotations.SelectMany(task => task).Select(a => a.WorkerId));
        return rows.Select(row => new DisagreementView(row.DisagreementId, row.TaskId, row.BatchId, row.Status,
            row.Candidate is null ? null : JsonDocument.Parse(row.Candidate).RootElement, row.CreatedAt,
            // Who holds it only while the claim runs: an ended lease names nobody, and a resolution is the audit trail's to tell.
            row.Status == Disagreements.Claimed ? row.ClaimedBy : null, row.Status == Disagreements.Claimed ? row.ClaimExpiresAt : null,
            annotations[row.TaskId].Select(a => new DisagreementAnnotation(a.AnnotationId, a.WorkerId, JsonDocument.Parse(a.Payload).RootElement,
                reliabilities[a.WorkerId].Reliability.Accuracy)).ToList())).ToList();
    }

    /// <summary>
    /// The reviewer's label becomes the task's final label (<c>source: "qa"</c>), and every annotation is judged against it;
    /// or the reviewer excludes the task from the results. Refused while another reviewer's claim on it runs.
    /// </summary>
    private static async Task<IResult> ResolveAsync(
        Guid disagreementId, ResolutionRequest request, ClaimsPrincipal user, Database database, IOptions<ConsensusOptions> options)
    {
        await using var work = await database.BeginAsync();
        var taskId = await work.ExecuteScalarAsync<Guid?>(
            "SELECT task_id FROM disagreements WHERE disagreement_id = @disagreementId", new { disagreementId })
            ?? throw new NotFoundException($"Disagreement {disagreementId} was not found.");
        var task = (await work.LockTaskAsync(taskId))!;
        if (task.Status != TaskStore.Escalated)
        {
            throw new ConflictException($"Disagreement {disagreementId} is already resolved.");
        }

        // The task's lock first, then the disagreement's: the order every resolution takes, so two never deadlock.
        (await work.LockDisagreementAsync(disagreementId, user.Id())).EnsureReviewableBy(user.Id());
        if (request.Exclude == true)
        {
            return await ExcludeAsync(work, disagreementId, task, request.Note, user, options.Value);
        }

        var policy = task.ReadPolicy();
        var label = request.Label!.Value;
        // The reviewer's boxes and masks must fit the task as the workers' had to: a label outside it could not be stitched.
        var content = task.ReadContent();
        var misfit = LabelPayloads.Misfit(LabelSchema.From(policy), label, "label")
            ?? (content is null ? null : TaskGeometry.Misfit(policy.SchemaKind, label, content.Slice, content.Tile, "label"));
        if (misfit is var (field, message))
        {
            throw new UnprocessableException(field, message);
        }

        var annotations = await work.AnnotationsAsync(taskId);
        var agreement = ConsensusKinds.Of(policy).Agreement(policy, annotations.Select(a => a.Read()).ToList(), label);
        await work.ExecuteAsync("""
            UPDATE disagreements SET status = 'resolved', resolved_by = @reviewer, resolved_at = now(), resolution = @label::jsonb, note = @Note
            WHERE disagreement_id = @disagreementId
            """, new { reviewer = user.Id(), label = label.GetRawText(), request.Note, disagreementId });
        await work.FinalizeAsync(task, isGold: false, label, "qa", 1.0, agreement, annotations, options.Value);
        work.Audit(
            user.ActingAs(Roles.Qa), "qa.resolved", "task", taskId.ToString(), DecisionDetail(disagreementId, LabelPayloads.Display(policy.SchemaKind, label), request.Note));
        await work.CommitAsync();
        return Results.Accepted();
    }
}
