using System.Security.Claims;
using System.Text;
using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Crowd.Payouts.Api;

public sealed record PayoutRunRequest
{
    public long? MinimumCents { get; init; }
}

public sealed class PayoutRunValidator : AbstractValidator<PayoutRunRequest>
{
    public PayoutRunValidator() => RuleFor(r => r.MinimumCents).NotNull().GreaterThanOrEqualTo(1);
}

/// <summary>The query of <c>GET /v1/payouts/runs/{runId}</c>: <c>?format=json|csv</c>, JSON when absent.</summary>
public sealed record PayoutRunFormat(string? Format)
{
    public const string Json = "json";
    public const string Csv = "csv";
}

public sealed class PayoutRunFormatValidator : AbstractValidator<PayoutRunFormat>
{
    public PayoutRunFormatValidator() =>
        RuleFor(q => q.Format).Must(f => f is null or PayoutRunFormat.Json or PayoutRunFormat.Csv).WithMessage("Must be json or csv.");
}

public static class PayoutRunsApi
{
    private const string Operation = "payout-run";

    public static IEndpointRouteBuilder MapPayoutRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroupFor("/v1/payouts/runs", Roles.Admin).WithTags("Payout runs");
        runs.MapPost("/", IssueAsync);
        runs.MapGet("/{runId:guid}", GetAsync);
        return app;
    }

    /// <summary>Moves every payable balance at or above the minimum out of the platform, once per Idempotency-Key.</summary>
    private static async Task<IResult> IssueAsync(
        PayoutRunRequest request, ClaimsPrincipal user, Database database,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        await using var work = await database.BeginAsync();
        await work.LockPayoutRunsAsync();
        var key = IdempotencyKey.Of(idempotencyKey, user.Id(), Operation, HttpMethods.Post, "/v1/payouts/runs", request);
        if (key is not null && await work.FindAsync(key) is { } earlier)
        {
            return Results.Json(earlier.Body, statusCode: earlier.StatusCode);
        }

        var run = await work.IssuePayoutRunAsync(request.MinimumCents!.Value, user.Id());
        if (key is not null)
        {
            await work.RememberAsync(key, StatusCodes.Status201Created, run);
        }

        await work.CommitAsync();
        return Results.Created($"/v1/payouts/runs/{run.RunId}", run);
    }

    private static async Task<IResult> GetAsync(Guid runId, [AsParameters] PayoutRunFormat query, Database database)
    {
        await using var work = await database.BeginAsync();
        var run = await work.FindPayoutRunAsync(runId) ?? throw new NotFoundException($"Payout run {runId} was not found.");
        return query.Format == PayoutRunFormat.Csv
            ? Results.File(Encoding.UTF8.GetBytes(ToCsv(run)), "text/csv", $"payout-run-{runId}.csv")
            : Results.Ok(run);
    }

    private static string ToCsv(PayoutRun run)
    {
        var csv = new StringBuilder("runId,workerId,amountCents\n");
        foreach (var line in run.Lines)
        {
            csv.Append(run.RunId).Append(',').Append(Csv.Escape(line.WorkerId)).Append(',').Append(line.AmountCents).Append('\n');
        }

        return csv.ToString();
    }
}
