using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Crowd.Data.Audit;
using Crowd.ServiceDefaults.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Crowd.ServiceDefaults.Auth;

public static class AuthExtensions
{
    public const string Issuer = "crowd";
    public const string Audience = "crowd";

    /// <summary>
    /// HS256 bearer tokens signed with the deployment's key (<c>Auth:SigningKeyFile</c>, or <c>Auth:SigningKey</c>
    /// in base64), issuer and audience <c>crowd</c>, <c>exp</c> required, a non-empty <c>sub</c> required. Claims keep their
    /// JWT names: <c>sub</c> is the principal, <c>role</c> the roles. Anything else is 401 (<c>TokenTests</c>).
    /// With <paramref name="everyRequest"/> (the services) every request's token is read before its endpoint runs; without
    /// it (the gateway, which forwards tokens untouched) only an endpoint that asks for the scheme by name reads one, and
    /// the process must also set <c>Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme</c>, since a lone scheme
    /// otherwise becomes the default all the same.
    /// </summary>
    public static IHostApplicationBuilder AddCrowdAuth(this IHostApplicationBuilder builder, bool everyRequest = true)
    {
        var key = ReadSigningKey(builder.Configuration);
        var authentication = everyRequest
            ? builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            : builder.Services.AddAuthentication();
        authentication
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                // Everything a token must prove, stated rather than left to defaults: signed with HS256 and the deployment's
                // key (no "none", no other algorithm), by our issuer for our audience, with an expiry that has not passed.
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    ValidateIssuerSigningKey = true,
                    IssuerSigningKey = new SymmetricSecurityKey(key),
                    ValidateIssuer = true,
                    ValidIssuer = Issuer,
                    ValidateAudience = true,
                    ValidAudience = Audience,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                };
                // A principal is its sub: a validly signed token without one names nobody, and is refused here (401)
                // rather than failing deep inside an endpoint that needs to know who is asking.
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        var subject = context.Principal?.FindFirstValue("sub");
                        if (string.IsNullOrWhiteSpace(subject))
                        {
                            context.Fail("The token names no principal (sub).");
                        }
                        else if (subject.StartsWith(Crowd.Contracts.Tasks.ModelPrediction.VoterPrefix, StringComparison.Ordinal))
                        {
                            context.Fail("The token's sub is reserved for models' pre-annotations.");
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Requester, p => p.RequireRole(Roles.Requester, Roles.Admin))
            .AddPolicy(Roles.Worker, p => p.RequireRole(Roles.Worker))
            .AddPolicy(Roles.Qa, p => p.RequireRole(Roles.Qa, Roles.Admin))
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin));
        return builder;
    }

    public static byte[] ReadSigningKey(IConfiguration configuration)
    {
        var file = configuration["Auth:SigningKeyFile"];
        var base64 = !string.IsNullOrEmpty(file) ? File.ReadAllText(file).Trim() : configuration["Auth:SigningKey"];
        if (string.IsNullOrEmpty(base64))
        {
            throw new InvalidOperationException("Set Auth:SigningKeyFile (./crowd up writes .crowd/jwt.key) or Auth:SigningKey.");
        }

        return Convert.FromBase64String(base64);
    }

    /// <summary>The caller's principal id (the token's <c>sub</c>).</summary>
    public static string Id(this ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? throw new UnauthorizedAccessException("The token has no sub claim.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>True when the caller is <paramref name="ownerId"/> or an admin; otherwise the resource is answered as 404.</summary>
    public static bool MayActFor(this ClaimsPrincipal user, string ownerId) => user.IsAdmin() || user.Id() == ownerId;

    /// <summary>
    /// The caller as the audit trail names them: in <paramref name="role"/> when they hold it, else as the admin that
    /// the endpoint's policy let in.
    /// </summary>
    public static AuditActor ActingAs(this ClaimsPrincipal user, string role) =>
        new(user.Id(), user.IsInRole(role) ? role : Roles.Admin);

    /// <summary>A <c>/v1</c> route group that needs a token with one of the policy's roles.</summary>
    public static RouteGroupBuilder MapGroupFor(this IEndpointRouteBuilder app, string prefix, string policy) =>
        app.MapGroup(prefix).RequireAuthorization(policy).WithValidation();
}
