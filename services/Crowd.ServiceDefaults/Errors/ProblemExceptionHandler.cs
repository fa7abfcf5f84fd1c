using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Crowd.Data;
using Npgsql;

namespace Crowd.ServiceDefaults.Errors;

/// <summary>
/// The one exception handler: each failure becomes RFC 9457 problem details. Bad input is 4xx naming the field; a
/// database that is away is 503 with <c>Retry-After</c>; anything unexpected is a 500 with a trace id only, never a
/// stack trace.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            NotFoundException e => new ProblemDetails { Status = 404, Title = "Not found", Detail = e.Message },
            ConflictException e => Conflict(e),
            PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => new ProblemDetails
            {
                Status = 409, Title = "Conflict", Detail = "The resource already exists or the request was already applied.",
            },
            UnprocessableException e => Invalid(422, "The request does not fit the resource it refers to", e.Field, e.Message),
            IdempotencyKeyReusedException e => Invalid(422, "The Idempotency-Key belongs to another request", "Idempotency-Key", e.Message),
            BadHttpRequestException { InnerException: JsonException json } => Invalid(400, "The body is not valid JSON for this request", JsonField(json), FirstLine(json.Message)),
            BadHttpRequestException e => new ProblemDetails { Status = e.StatusCode, Title = "Bad request", Detail = FirstLine(e.Message) },
            _ when DatabaseFaults.IsTransient(exception) => Unavailable(httpContext, exception),
            _ => null,
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "An unexpected error occurred" };
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        AnswerInJson(httpContext);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// An error is answered as problem details whatever the client said it accepts: the framework's writer declines a
    /// request whose Accept names no JSON type (text/html, text/plain, application/xml), and the failure would then fall
    /// through to a bare 500, or in Development to the developer exception page with its stack trace. The request is
    /// over once its error is being written, so its Accept is widened for that writer.
    /// </summary>
    public static void AnswerInJson(HttpContext httpContext) =>
        httpContext.Request.Headers.Accept = "application/problem+json";

    /// <summary>
    /// The database is away or the transaction lost a conflict, and the same request may succeed in
    /// a moment (a retried write meets the same checks: a submission already taken is a 409 that says so). 503 with <c>Retry-After</c>, never a 500: clients retry it with backoff instead of giving up.
    /// </summary>
    private ProblemDetails Unavailable(HttpContext httpContext, Exception exception)
    {
        logger.LogWarning("{Method} {Path} answered 503: the database is unavailable ({Error})",
            httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        httpContext.Response.Headers.RetryAfter = DatabaseFaults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = 503, Title = "Service temporarily unavailable", Detail = "The database could not complete the request right now. Try again.",
        };
    }

    private static ProblemDetails Conflict(ConflictException e)
    {
        var problem = new ProblemDetails { Status = 409, Title = "Conflict", Detail = e.Message };
        if (e.State is not null)
        {
            problem.Extensions["state"] = e.State;
        }

        return problem;
    }

    private static HttpValidationProblemDetails Invalid(int status, string title, string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Status = status, Title = title };

    /// <summary>System.Text.Json reports the failing member as a JSON path (<c>$.redundancy.min</c>); the API names it <c>redundancy.min</c>.</summary>
    private static string JsonField(JsonException json) =>
        string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
