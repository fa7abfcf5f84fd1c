using System.Globalization;
using Crowd.Data;
using Crowd.Payouts.Audit;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;

namespace Crowd.Payouts.Api;

public sealed record AuditEventView(
    Guid EventId, DateTime At, string ActorId, string Role, string Action, string SubjectType, string SubjectId, string? Detail,
    string Hash, string PreviousHash, string? Service);

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroupFor("/v1/audit", Roles.Admin).WithTags("Audit");
        audit.MapGet("/", ListAsync);
        audit.MapGet("/verify", VerifyAsync);
        return app;
    }

    /// <summary>The chain in its order, filtered; the cursor is the position of the last event returned.</summary>
    private static async Task<Page<AuditEventView>> ListAsync(
        Database database, string? subjectId, string? actorId, DateTime? from, DateTime? to, string? after, int? limit)
    {
        var pageSize = Paging.Limit(limit);
        var afterSeq = after is null ? 0 : long.TryParse(after, CultureInfo.InvariantCulture, out var s) && s >= 0 ? s
            : throw new UnprocessableException("after", "Not a cursor returned by this endpoint.");
        if (from is not null && to is not null && from > to)
        {
            throw new UnprocessableException("from", "Must not be after to.");
        }

        const string sql = $"""
            SELECT {AuditChain.Columns} FROM audit_events
            WHERE seq > @afterSeq
              AND (@subjectId::text IS NULL OR subject_id = @subjectId)
              AND (@actorId::text IS NULL OR actor_id = @actorId)
              AND (@from::timestamptz IS NULL OR at >= @from)
              AND (@to::timestamptz IS NULL OR at < @to)
            ORDER BY seq
            LIMIT @pageSize
            """;
        await using var work = await database.BeginAsync();
        var rows = (await work.QueryAsync<AuditEvent>(sql, new { afterSeq, subjectId, actorId, from, to, pageSize })).ToList();
        return new Page<AuditEventView>(
            [.. rows.Select(e => new AuditEventView(e.EventId, e.At, e.ActorId, e.Role, e.Action, e.SubjectType, e.SubjectId, e.Detail, e.Hash, e.PreviousHash, e.Service))],
            rows.Count == pageSize ? rows[^1].Seq.ToString(CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The chain's own links, then the chain against the latest signed checkpoint (read first: it can only be older).</summary>
    private static async Task<AuditVerification> VerifyAsync(Database database, AuditCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        var file = checkpoints.Enabled ? await checkpoints.ReadLatestAsync(cancellationToken) : null;
        await using var work = await database.BeginAsync(cancellationToken);
        return await work.VerifyAuditChainAsync(file);
    }
}
