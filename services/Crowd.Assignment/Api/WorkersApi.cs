using System.Security.Claims;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using FluentValidation;

namespace Crowd.Assignment.Api;

public sealed record WorkerProfileRequest
{
    public string? DisplayName { get; init; }
    public string? TimeZone { get; init; }
}

public sealed class WorkerProfileValidator : AbstractValidator<WorkerProfileRequest>
{
    public WorkerProfileValidator()
    {
        RuleFor(w => w.DisplayName).NotEmpty().MaximumLength(100);
        RuleFor(w => w.TimeZone).NotEmpty().Must(BeKnownTimeZone!).WithMessage("Must be an IANA time zone such as Europe/Berlin.");
    }

    private static bool BeKnownTimeZone(string id) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
}

public sealed record QualificationsRequest
{
    public IReadOnlyList<string>? Qualifications { get; init; }
}

public sealed class QualificationsValidator : AbstractValidator<QualificationsRequest>
{
    public QualificationsValidator()
    {
        RuleFor(q => q.Qualifications).NotNull().Must(q => q!.Count <= 100).WithMessage("At most 100 qualifications.");
        RuleForEach(q => q.Qualifications).NotEmpty().MaximumLength(64);
    }
}

public sealed record WorkerView
{
    public string WorkerId { get; init; } = null!;
    public string DisplayName { get; init; } = null!;
    public string TimeZone { get; init; } = null!;
    public string[] Qualifications { get; init; } = null!;
    public string Status { get; init; } = null!;
    public double? Reliability { get; init; }
}

public static class WorkersApi
{
    private const string WorkerColumns = "worker_id, display_name, time_zone, qualifications, status, reliability";

    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var self = app.MapGroupFor("/v1/workers", Roles.Worker).WithTags("Workers");
        self.MapPut("/{workerId}", PutProfileAsync);
        app.MapGroupFor("/v1/workers", Roles.Admin).WithTags("Workers").MapPut("/{workerId}/qualifications", PutQualificationsAsync);
        app.MapGroup("/v1/workers").RequireAuthorization().WithTags("Workers").MapGet("/{workerId}", GetAsync);
        return app;
    }

    private static async Task<WorkerView> PutProfileAsync(string workerId, WorkerProfileRequest request, ClaimsPrincipal user, Database database)
    {
        if (user.Id() != workerId)
        {
            throw new NotFoundException($"Worker {workerId} was not found.");
        }

        const string upsert = $"""
            INSERT INTO workers (worker_id, display_name, time_zone) VALUES (@workerId, @DisplayName, @TimeZone)
            ON CONFLICT (worker_id) DO UPDATE SET display_name = excluded.display_name, time_zone = excluded.time_zone, updated_at = now()
            RETURNING {WorkerColumns}
            """;
        await using var work = await database.BeginAsync();
        var worker = await work.QuerySingleAsync<WorkerView>(upsert, new { workerId, request.DisplayName, request.TimeZone });
        await work.CommitAsync();
        return worker;
    }

    /// <summary>Replaces the worker's qualifications: what patient data they may see from now on, so it is audited with the change.</summary>
    private static async Task<WorkerView> PutQualificationsAsync(string workerId, QualificationsRequest request, ClaimsPrincipal user, Database database)
    {
        const string update = $"""
            UPDATE workers SET qualifications = @qualifications, updated_at = now() WHERE worker_id = @workerId
            RETURNING {WorkerColumns}
            """;
        await using var work = await database.BeginAsync();
        var qualifications = request.Qualifications!.Distinct(StringComparer.Ordinal).ToArray();
        var worker = await work.QuerySingleOrDefaultAsync<WorkerView>(update, new { workerId, qualifications })
            ?? throw new NotFoundException($"Worker {workerId} has no profile yet.");
        work.Audit(user.ActingAs(Roles.Admin), "worker.qualifications-set", "worker", workerId, $"[{string.Join(", ", qualifications)}]");
        await work.CommitAsync();
        return worker;
    }

    private static async Task<WorkerView> GetAsync(string workerId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        return user.MayActFor(workerId)
               && await work.QuerySingleOrDefaultAsync<WorkerView>($"SELECT {WorkerColumns} FROM workers WHERE worker_id = @workerId", new { workerId }) is { } worker
            ? worker
            : throw new NotFoundException($"Worker {workerId} was not found.");
    }
}
