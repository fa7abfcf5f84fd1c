using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Labels;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Throttling;
using Crowd.ServiceDefaults.Errors;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Options;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Api;

public static class BatchesApi
{
    public static IEndpointRouteBuilder MapBatchesApi(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroupFor("/v1/batches", Roles.Requester).WithTags("Batches");
        batches.MapPost("/", SubmitAsync).RequireRateLimiting(RateLimits.BatchPosts);
        batches.MapGet("/", ListAsync);
        batches.MapGet("/{batchId:guid}", GetAsync);
        batches.MapGet("/{batchId:guid}/results", ResultsAsync);
        batches.MapPost("/{batchId:guid}/cancel", CancelAsync);
        return app;
    }

    /// <summary>
    /// Stores the batch, its items and tasks, and asks payouts for escrow, in one transaction. The validator has counted
    /// the tasks against the limits; here they are cut one at a time as they are copied in.
    /// </summary>
    private static async Task<IResult> SubmitAsync(
        SubmitBatchRequest request, ClaimsPrincipal user, Database database, IOptions<PlatformOptions> platform,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        await using var work = await database.BeginAsync();
        var key = IdempotencyKey.Of(idempotencyKey, user.Id(), "submit-batch", HttpMethods.Post, "/v1/batches", request);
        if (key is not null && await work.FindAsync(key) is { } earlier)
        {
            return Results.Json(earlier.Body, statusCode: earlier.StatusCode);
        }

        var batch = NewBatch.Create(user.Id(), request.ToSubmission(), platform.Value.FeeBasisPoints);
        await work.InsertAsync(batch);
        work.Publish(new BatchSubmitted
        {
            BatchId = batch.BatchId,
            RequesterId = batch.RequesterId,
            TaskCount = batch.TaskCount,
            MaxCostCents = batch.MaxCostCents,
            FeeCentsPerAnnotation = batch.FeeCentsPerAnnotation,
            BonusCents = batch.Submission.BonusCents,
            FeeCentsPerBonus = batch.FeeCentsPerBonus,
            SubmittedAt = DateTimeOffset.UtcNow,
        });
        work.AuditStatus(
            batch.BatchId, BatchStatus.PendingFunding, user.ActingAs(Roles.Requester),
            $"{batch.TaskCount} tasks, at most {batch.MaxCostCents} cents");

        var accepted = new BatchAccepted(batch.BatchId, BatchStatus.PendingFunding, batch.TaskCount, batch.MaxCostCents);
        if (key is not null)
        {
            await work.RememberAsync(key, StatusCodes.Status202Accepted, accepted);
        }

        await work.CommitAsync();
        return Results.Accepted($"/v1/batches/{batch.BatchId}", accepted);
    }

    private static async Task<IResult> ListAsync(
        ClaimsPrincipal user, NpgsqlDataSource dataSource, string? status, Guid? after, int? limit)
    {
        if (status is not null && !BatchStatus.All.Contains(status))
        {
            throw new UnprocessableException("status", $"Must be one of: {string.Join(", ", BatchStatus.All)}.");
        }

        var pageSize = Paging.Limit(limit);
        var rows = await dataSource.ListBatchesAsync(user.IsAdmin() ? null : user.Id(), status, after, pageSize);
        return Results.Ok(new Page<BatchView>(
            rows.Select(BatchView.From).ToList(), rows.Count == pageSize ? rows[^1].BatchId.ToString() : null));
    }

    private static async Task<BatchView> GetAsync(Guid batchId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        return BatchView.From(await FindOwnedAsync(work, batchId, user));
    }

    /// <summary>
    /// Stops the batch: assignment gives out no new claims (open ones may still be submitted until their lease ends) and
    /// payouts returns the unspent escrow once the last of them is paid. Repeating it changes nothing.
    /// </summary>
    private static async Task<IResult> CancelAsync(Guid batchId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        // Locked, so that the last LabelAccepted cannot complete the batch while it is being cancelled: it ends one way only.
        var batch = await FindOwnedAsync(work, batchId, user, forUpdate: true);
        switch (BatchCancellation.Decide(batch.Status))
        {
            case CancelOutcome.Refused:
                throw new ConflictException($"Batch {batchId} is {batch.Status}; only a pending-funding or open batch can be cancelled.");
            case CancelOutcome.Cancel:
                var cancelledAt = DateTimeOffset.UtcNow;
                await work.ExecuteAsync(
                    "UPDATE batches SET status = @cancelled, cancelled_at = @cancelledAt WHERE batch_id = @batchId",
                    new { cancelled = BatchStatus.Cancelled, cancelledAt, batchId });
                work.AuditStatus(batchId, BatchStatus.Cancelled, user.ActingAs(Roles.Requester), $"was {batch.Status}");
                work.Publish(new BatchCancelled { BatchId = batchId, RequesterId = batch.RequesterId, CancelledAt = cancelledAt });
                await work.RecordWebhookAsync(batchId, WebhookEvents.BatchCancelled, new { status = BatchStatus.Cancelled, cancelledAt });
                await work.CommitAsync();
                break;
        }

        return Results.Accepted($"/v1/batches/{batchId}");
    }

    /// <summary>One row per finalized non-gold task, as paged JSON or as a CSV download of the whole batch.</summary>
    private static async Task<IResult> ResultsAsync(
        Guid batchId, ClaimsPrincipal user, Database database, NpgsqlDataSource dataSource, string? format, string? after, int? limit)
    {
        string kind;
        await using (var work = await database.BeginAsync())
        {
            kind = LabelSchema.From(JsonDocument.Parse((await FindOwnedAsync(work, batchId, user)).LabelSchema).RootElement).Kind;
        }

        if (format is not (null or "json" or "csv"))
        {
            throw new UnprocessableException("format", "Must be json or csv.");
        }

        if (format == "csv")
        {
            return Results.Stream(stream => WriteCsvAsync(stream, dataSource, batchId, kind), "text/csv", $"batch-{batchId}-results.csv");
        }

        var afterPosition = after is null ? -1 : int.TryParse(after, CultureInfo.InvariantCulture, out var p) ? p
            : throw new UnprocessableException("after", "Not a cursor returned by this endpoint.");
        var pageSize = Paging.Limit(limit);
        var rows = await dataSource.ResultsAsync(batchId, afterPosition, pageSize);
        return Results.Ok(new Page<ResultView>(
            rows.Select(ResultView.From).ToList(), rows.Count == pageSize ? rows[^1].Position.ToString(CultureInfo.InvariantCulture) : null));
    }

    /// <summary>The label column is readable rather than JSON: the class, the classes present joined by ';', or the measured value.</summary>
    private static async Task WriteCsvAsync(Stream stream, NpgsqlDataSource dataSource, Guid batchId, string kind)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        await writer.WriteLineAsync("taskId,externalId,sliceFrom,sliceTo,tileX,tileY,tileW,tileH,label,confidence,agreement,annotationCount,source,revision");
        for (var after = -1; ;)
        {
            var rows = await dataSource.ResultsAsync(batchId, after, 1000);
            foreach (var row in rows)
            {
                var r = ResultView.From(row);
                var label = LabelPayloads.Display(kind, r.Label);
                await writer.WriteLineAsync(string.Join(',',
                    r.TaskId, Csv.Escape(r.ExternalId), r.Slice?.From, r.Slice?.To, r.Tile?.X, r.Tile?.Y, r.Tile?.W, r.Tile?.H, Csv.Escape(label),
                    r.Confidence.ToString("R", CultureInfo.InvariantCulture), r.Agreement.ToString("R", CultureInfo.InvariantCulture),
                    r.AnnotationCount, r.Source, r.Revision));
            }

            if (rows.Count < 1000)
            {
                return;
            }

            after = rows[^1].Position;
        }
    }

    /// <summary>The caller's batch (or any, for an admin); someone else's batch is answered as not found.</summary>
    internal static async Task<BatchRow> FindOwnedAsync(UnitOfWork work, Guid batchId, ClaimsPrincipal user, bool forUpdate = false) =>
        await work.FindBatchAsync(batchId, forUpdate) is { } batch && user.MayActFor(batch.RequesterId)
            ? batch
            : throw new NotFoundException($"Batch {batchId} was not found.");
}
