using System.Security.Claims;
using System.Text.Json;
using Crowd.Consensus.Data;
using Crowd.Consensus.Options;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.ServiceDefaults.Auth;
using Microsoft.Extensions.Options;

namespace Crowd.Consensus.Api;

/// <summary>A claimed disagreement: as the list shows it, plus what the task shows and how long the claim holds.</summary>
public sealed record DisagreementClaimView(
    Guid DisagreementId, Guid TaskId, Guid BatchId, string Status, JsonElement? Candidate, DateTime CreatedAt,
    IReadOnlyList<DisagreementAnnotation> Annotations, TaskContent? Content, DateTime LeaseExpiresAt)
{
    public static DisagreementClaimView From(DisagreementView d, TaskContent? content, DateTime leaseExpiresAt) => new(
        d.DisagreementId, d.TaskId, d.BatchId, d.Status, d.Candidate, d.CreatedAt, d.Annotations, content, leaseExpiresAt);
}

/// <summary>A QA reviewer's own work on a disagreement: claiming it, and excluding its task.</summary>
public static partial class DisagreementsApi
{
    /// <summary>
    /// Leases the disagreement to the caller (claiming it again renews the lease) and hands them the task's content
    /// reference: a disclosure of patient data, so it is audited in the same transaction as the claim.
    /// </summary>
    private static async Task<DisagreementClaimView> ClaimAsync(
        Guid disagreementId, ClaimsPrincipal user, Database database, IOptions<QaOptions> qa)
    {
        await using var work = await database.BeginAsync();
        (await work.LockDisagreementAsync(disagreementId, user.Id())).EnsureReviewableBy(user.Id());
        var (leaseExpiresAt, storedContent) = await work.QuerySingleAsync<(DateTime, string?)>("""
            UPDATE disagreements d SET claimed_by = @reviewer, claim_expires_at = now() + @lease
            FROM consensus_tasks t
            WHERE d.disagreement_id = @disagreementId AND t.task_id = d.task_id
            RETURNING d.claim_expires_at, t.content::text
            """, new { reviewer = user.Id(), lease = qa.Value.LeaseDuration, disagreementId });
        var view = (await ViewsAsync(work, batchId: null, status: null, disagreementId, after: null, pageSize: 1)).Single();
        var content = storedContent is null ? null : JsonSerializer.Deserialize<TaskContent>(storedContent, JsonSerializerOptions.Web);
        if (content is not null)
        {
            work.Audit(
                user.ActingAs(Roles.Qa), "content.disclosed", "task", view.TaskId.ToString(),
                $"disagreement {disagreementId}: {content.ContentUri}");
        }

        await work.CommitAsync();
        return DisagreementClaimView.From(view, content, leaseExpiresAt);
    }

    /// <summary>The reviewer drops the task from the results; its annotations are still judged, so they are paid.</summary>
    private static async Task<IResult> ExcludeAsync(
        UnitOfWork work, Guid disagreementId, TaskState task, string? note, ClaimsPrincipal user, ConsensusOptions options)
    {
        await work.ExecuteAsync("""
            UPDATE disagreements SET status = 'resolved', excluded = true, resolved_by = @reviewer, resolved_at = now(), note = @note
            WHERE disagreement_id = @disagreementId
            """, new { reviewer = user.Id(), note, disagreementId });
        await work.ExcludeAsync(task, note, await work.AnnotationsAsync(task.TaskId), options);
        work.Audit(user.ActingAs(Roles.Qa), "qa.excluded", "task", task.TaskId.ToString(), DecisionDetail(disagreementId, "excluded", note));
        await work.CommitAsync();
        return Results.Accepted();
    }

    /// <summary>What a QA decision's audit event says: the disagreement, the decision, and the reviewer's note.</summary>
    private static string DecisionDetail(Guid disagreementId, string decision, string? note) =>
        $"disagreement {disagreementId}: {decision}{(note is null ? "" : $" ({note})")}";
}
