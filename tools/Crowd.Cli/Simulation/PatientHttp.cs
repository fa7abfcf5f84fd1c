using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Crowd.Cli.Simulation;

/// <summary>
/// HTTP as a worker's app does it: a 5xx answer, a 429 (over the caller's rate limit), a refused or broken connection, or
/// an attempt that hangs is tried again with exponential backoff (jittered, honouring <c>Retry-After</c>) until
/// <c>giveUpAfter</c>; then the last answer or error stands. Other 4xx answers are final. A retried non-idempotent call may have been applied the first time: callers that
/// care (a submission) read <see cref="WasRetried"/> and treat the matching 409 as success; money and batches carry an
/// <c>Idempotency-Key</c>, so their replays are harmless.
/// </summary>
public static class PatientHttp
{
    private static readonly HttpRequestOptionsKey<bool> RetriedKey = new("crowd-retried");

    /// <summary>An HttpClient for <paramref name="baseAddress"/> that retries as above; each attempt has <paramref name="attemptTimeout"/> (default 30 s).</summary>
    public static HttpClient CreateClient(Uri baseAddress, TimeSpan giveUpAfter, TimeSpan? attemptTimeout = null) =>
        new(new RetryHandler(giveUpAfter, attemptTimeout ?? TimeSpan.FromSeconds(30)) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = baseAddress,
            // The handler bounds each attempt and the whole; HttpClient's own timeout would cut the retries short.
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <summary>True when the response's request was sent more than once (an earlier attempt failed or got a 5xx).</summary>
    public static bool WasRetried(HttpResponseMessage response) =>
        response.RequestMessage?.Options.TryGetValue(RetriedKey, out var retried) == true && retried;

    private sealed class RetryHandler(TimeSpan giveUpAfter, TimeSpan attemptTimeout) : DelegatingHandler
    {
        private readonly ResiliencePipeline<HttpResponseMessage> _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(giveUpAfter)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result: { } response } => (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    _ => false,
                }),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            })
            .AddTimeout(attemptTimeout)
            .Build();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var attempts = 0;
            return await _pipeline.ExecuteAsync(async token =>
            {
                if (attempts++ > 0)
                {
                    request.Options.Set(RetriedKey, true);
                }

                return await base.SendAsync(request, token);
            }, cancellationToken);
        }

        /// <summary>The server's <c>Retry-After</c> (seconds or a date), capped at 30 s; null lets the backoff decide.</summary>
        private static TimeSpan? RetryAfter(HttpResponseMessage? response)
        {
            var header = response?.Headers.RetryAfter;
            var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            return wait is { } w && w > TimeSpan.Zero ? (w < TimeSpan.FromSeconds(30) ? w : TimeSpan.FromSeconds(30)) : null;
        }
    }
}
