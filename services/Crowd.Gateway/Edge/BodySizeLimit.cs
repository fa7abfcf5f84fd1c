using Crowd.ServiceDefaults.Validation;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Crowd.Gateway.Edge;

/// <summary>
/// API.md's body limit at the edge: a body of more than 32 MiB is refused here with 413 problem details before any of it
/// is forwarded. A declared length over the limit is answered at once, without reading the body; a chunked body is cut
/// off by Kestrel at the limit. The services enforce the same limit behind the gateway.
/// </summary>
public static class BodySizeLimit
{
    /// <summary>The services' own limit: the gateway refuses what they would.</summary>
    public const long MaxBodyBytes = RequestLimits.MaxBodyBytes;

    public static WebApplicationBuilder AddBodySizeLimit(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        return builder;
    }

    public static WebApplication UseBodySizeLimit(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                // The client may still be sending: close the connection once answered rather than drain 32 MiB or more.
                context.Response.Headers.Connection = "close";
                await Results.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    title: "Request body too large",
                    detail: $"A request body may be at most {MaxBodyBytes / (1024 * 1024)} MiB.").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }
}
