using System.Text.Json;
using System.Text.Json.Serialization;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Crowd.ServiceDefaults.Observability;
using Crowd.ServiceDefaults.Throttling;
using Crowd.ServiceDefaults.Validation;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crowd.ServiceDefaults;

public static class CrowdHost
{
    /// <summary>A web host whose content root is the binary's folder, so appsettings.json is found whatever the working directory.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
}

public static class ServiceDefaultsExtensions
{
    /// <summary>Production's refusal of development defaults, auth, request limits, rate limits, metrics, traces and JSON logs, strict JSON, problem details, validators of the calling service, health checks and OpenAPI.</summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.RefuseUnsafeDefaultsInProduction();
        builder.AddCrowdAuth();
        builder.AddRequestLimits();
        builder.AddRateLimits();
        builder.AddCrowdMetrics();
        builder.AddCrowdTracing();
        builder.Services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        // Malformed bodies throw, so the exception handler answers them as 400 problem details naming the field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // A field reports its first problem only: "must not be empty" rather than a crash in the next rule on null.
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
        // Singletons: a validator's constructor builds its rules from expression trees, which cost more than the request
        // they check when built per request (a profile of claim + submit under load found it); the rules keep no state.
        builder.Services.AddValidatorsFromAssembly(System.Reflection.Assembly.GetEntryAssembly()!, ServiceLifetime.Singleton,
            includeInternalTypes: true);
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>Unknown fields are rejected rather than silently ignored: a typo in a batch must not become a default.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
    }

    /// <summary>
    /// Error handling, auth, rate limits, <c>/metrics</c>, <c>/health/live</c>, <c>/health/ready</c> (the database: without it no request can be
    /// served), <c>/health/broker</c> (RabbitMQ: without it messages wait in the outbox) and <c>/openapi/v1.json</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        // A status without a body (404 for an unknown path, 405, 415) gets problem details too, whatever the Accept header.
        app.UseStatusCodePages(status =>
        {
            ProblemExceptionHandler.AnswerInJson(status.HttpContext);
            return status.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = status.HttpContext,
                    ProblemDetails = new ProblemDetails { Status = status.HttpContext.Response.StatusCode },
                }).AsTask();
        });
        app.UseAuthentication();
        app.UseAuthorization();
        // After authentication, so each bucket is a principal's; before the body is read, so a refused request costs little.
        app.UseRateLimiter();
        // After authorization: only a caller the endpoint admits gets a body of up to 32 MiB read and walked.
        app.UseRequestLimits();
        app.MapMetrics();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapHealthChecks("/health/broker", new HealthCheckOptions { Predicate = check => check.Tags.Contains("broker") });
        app.MapOpenApi();
        return app;
    }
}
