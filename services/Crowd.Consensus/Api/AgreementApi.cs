using System.Security.Claims;
using Crowd.Consensus.Data;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Data;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;

namespace Crowd.Consensus.Api;

public static class AgreementApi
{
    /// <summary>
    /// <c>GET /v1/batches/{batchId}/agreement</c>: served here because consensus owns the annotations; the gateway sends
    /// this one path under <c>/v1/batches</c> here and the rest to slicing.
    /// </summary>
    public static IEndpointRouteBuilder MapAgreementApi(this IEndpointRouteBuilder app)
    {
        var requesters = app.MapGroupFor("/v1/batches", Roles.Requester).WithTags("Batches");
        requesters.MapGet("/{batchId:guid}/agreement", GetAsync);
        return app;
    }

    private static async Task<BatchAgreementView> GetAsync(Guid batchId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        var owner = await work.ExecuteScalarAsync<string>("SELECT requester_id FROM batch_owners WHERE batch_id = @batchId", new { batchId });
        if (owner is null || !user.MayActFor(owner))
        {
            throw new NotFoundException($"Batch {batchId} was not found.");
        }

        if (await work.AnyTaskOfBatchAsync(batchId) is not { } task)
        {
            return BatchAgreement.Compute([], []);
        }

        // A gold task is judged against its known truth from the start; an ordinary one against its final label once it has one.
        var annotations = (await work.QueryAsync<AnsweredAnnotation>("""
            SELECT a.task_id, a.worker_id, a.payload::text AS payload, g.is_gold,
                   CASE WHEN g.is_gold THEN t.policy->>'goldTruth' ELSE t.final_label::text END AS answer
            FROM annotations a
            JOIN consensus_tasks t USING (task_id)
            CROSS JOIN LATERAL (SELECT coalesce((t.policy->>'isGold')::boolean, false) AS is_gold) g
            WHERE t.batch_id = @batchId
            ORDER BY a.task_id, a.submitted_at, a.annotation_id
            """, new { batchId })).ToList();
        var policy = task.ReadPolicy();
        return ConsensusKinds.Of(policy).Agreement(policy, annotations);
    }
}
