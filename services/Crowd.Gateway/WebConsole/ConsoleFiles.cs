using Microsoft.Extensions.FileProviders;

namespace Crowd.Gateway.WebConsole;

/// <summary>
/// The web console (wwwroot/console: static files, no build step, no third-party script) at <c>/console/</c>. It holds no
/// data of its own: it signs in with a JWT kept in the tab's session storage and calls the public API on this same origin.
/// The policy below lets a page run only its own script and style and send requests only to its own origin, so a batch
/// name or a note a user typed can never run as script, and a token can never be sent elsewhere.
/// </summary>
public static class ConsoleFiles
{
    public const string Path = "/console";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static WebApplication UseConsole(this WebApplication app)
    {
        var files = new PhysicalFileProvider(System.IO.Path.Combine(AppContext.BaseDirectory, "wwwroot", "console"));
        // Middleware, not an endpoint: routing would match "/console/" to a "/console" endpoint too, and redirect forever.
        app.Use((context, next) =>
        {
            if (context.Request.Path.Value == Path)
            {
                context.Response.Redirect($"{Path}/");
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = Path, FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = Path,
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // A new deployment's console is picked up at once: the files are small, revalidating them costs little.
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}
