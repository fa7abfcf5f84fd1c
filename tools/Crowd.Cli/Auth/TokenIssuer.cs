using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crowd.Cli.Auth;

/// <summary>Signs local JWTs the services accept: HS256 with the deployment key, issuer and audience <c>crowd</c>.</summary>
public sealed class TokenIssuer(byte[] signingKey)
{
    public static TokenIssuer FromKeyFile(string path) => new(Convert.FromBase64String(File.ReadAllText(path).Trim()));

    public string Issue(string subject, IReadOnlyCollection<string> roles, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = "crowd",
            Audience = "crowd",
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(12)),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["role"] = roles.Count == 1 ? roles.First() : roles.ToArray(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signingKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
