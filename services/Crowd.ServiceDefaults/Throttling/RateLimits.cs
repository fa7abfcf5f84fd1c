using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Crowd.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.ServiceDefaults.Throttling;

/// <summary>Operator settings (section <c>RateLimits</c>): a token bucket per principal for each rate-limited endpoint.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Claims a worker may make per second, sustained (<c>POST /v1/workers/{id}/claims</c>).</summary>
    public int ClaimsPerSecond { get; set; } = 10;

    /// <summary>Claims a worker may make at once after a quiet spell.</summary>
    public int ClaimBurst { get; set; } = 20;

    /// <summary>Batches a requester may post per second, sustained (<c>POST /v1/batches</c>).</summary>
    public int BatchPostsPerSecond { get; set; } = 5;

    /// <summary>Batches a requester may post at once after a quiet spell.</summary>
    public int BatchPostBurst { get; set; } = 10;
}

/// <summary>
/// Per-principal rate limits (ASP.NET Core's rate limiter): an endpoint opts in with <c>RequireRateLimiting(policy)</c>.
/// A request over its principal's bucket is 429 problem details with <c>Retry-After</c> (whole seconds until the next
/// token) and does nothing; rejections are counted by the framework's <c>aspnetcore.rate_limiting.requests</c> metric
/// (<c>/metrics</c>). The buckets live in each instance's memory: behind the gateway's balancing, N instances of a service
/// admit up to N times the setting, which bounds a burst as well (the point of the limit: no principal takes the pool or
/// the database for itself) without a shared counter on every request.
/// </summary>
public static class RateLimits
{
    public const string Claims = "claims";
    public const string BatchPosts = "batch-posts";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(Claims, context => PerPrincipal(context, settings.ClaimsPerSecond, settings.ClaimBurst));
            options.AddPolicy(BatchPosts, context => PerPrincipal(context, settings.BatchPostsPerSecond, settings.BatchPostBurst));
            options.OnRejected = RejectAsync;
        });
        return builder;
    }

    /// <summary>
    /// A bucket for the caller's <c>sub</c>. The limiter runs after authorization, so every request that reaches it names
    /// its principal; one that does not (no endpoint policy) shares a bucket with the other anonymous callers.
    /// </summary>
    private static RateLimitPartition<string> PerPrincipal(HttpContext context, int perSecond, int burst) =>
        RateLimitPartition.GetTokenBucketLimiter(
            context.User.FindFirstValue("sub") ?? "", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(burst, 1),
                TokensPerPeriod = Math.Max(perSecond, 1),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        ProblemExceptionHandler.AnswerInJson(http);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"{http.User.FindFirstValue("sub") ?? "This caller"} is over its rate limit here; try again in {seconds} s.",
            },
        });
    }
}
