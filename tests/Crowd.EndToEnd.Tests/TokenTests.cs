using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Forged and odd bearer tokens through the gateway (issue 10, point 2): each is answered 401, never a 500 and never the
/// admin's data. The tokens are built by hand here, so that a test can change exactly one thing about a valid one; the
/// first test proves the builder makes tokens the services accept.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class TokenTests
{
    private const string AdminOnly = "/v1/ledger/check";

    [Test]
    public async Task HandBuiltToken_AsTheServicesExpectIt_IsAccepted() =>
        Assert.That(await StatusWithAsync(Jwt(Header("HS256"), Claims())), Is.EqualTo(HttpStatusCode.OK));

    // Built in the test, not when NUnit lists the cases: the services' key exists only once the fixture has started them.
    private static readonly Dictionary<string, Func<string>> OddTokens = new()
    {
        ["alg none, no signature"] = () => Jwt(Header("none"), Claims(), sign: false),
        ["HS512 with the right key"] = () => Jwt(Header("HS512"), Claims()),
        ["signed by another key"] = () => Jwt(Header("HS256"), Claims(), key: RandomNumberGenerator.GetBytes(64)),
        ["expired two minutes ago"] = () => Jwt(Header("HS256"), Claims(c => c["exp"] = Now() - 120)),
        ["without exp"] = () => Jwt(Header("HS256"), Claims(c => c.Remove("exp"))),
        ["another issuer"] = () => Jwt(Header("HS256"), Claims(c => c["iss"] = "someone-else")),
        ["another audience"] = () => Jwt(Header("HS256"), Claims(c => c["aud"] = "someone-else")),
        ["without sub"] = () => Jwt(Header("HS256"), Claims(c => c.Remove("sub"))),
        ["empty sub"] = () => Jwt(Header("HS256"), Claims(c => c["sub"] = "")),
        ["blank sub"] = () => Jwt(Header("HS256"), Claims(c => c["sub"] = "  ")),
        ["a model's reserved sub"] = () => Jwt(Header("HS256"), Claims(c => c["sub"] = "model:nodule-net")),
        ["role edited after signing"] = EditedRole,
    };

    private static string[] OddTokenNames() => [.. OddTokens.Keys];

    [TestCaseSource(nameof(OddTokenNames))]
    public async Task Request_WithAnOddToken_Is401(string token) =>
        Assert.That(await StatusWithAsync(OddTokens[token]()), Is.EqualTo(HttpStatusCode.Unauthorized));

    /// <summary>A worker's valid token whose payload is swapped for an admin's, the worker's signature kept.</summary>
    private static string EditedRole()
    {
        var parts = Jwt(Header("HS256"), Claims(c => c["role"] = "worker")).Split('.');
        var admin = Base64Url(JsonSerializer.SerializeToUtf8Bytes(Claims()));
        return $"{parts[0]}.{admin}.{parts[2]}";
    }

    private static async Task<HttpStatusCode> StatusWithAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(AdminOnly, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static Dictionary<string, object> Header(string alg) => new() { ["alg"] = alg, ["typ"] = "JWT" };

    /// <summary>An admin's claims as <c>TokenIssuer</c> writes them, edited by <paramref name="change"/>.</summary>
    private static Dictionary<string, object> Claims(Action<Dictionary<string, object>>? change = null)
    {
        var now = Now();
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "admin-by-hand", ["role"] = "admin", ["iss"] = "crowd", ["aud"] = "crowd", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600,
        };
        change?.Invoke(claims);
        return claims;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string Jwt(Dictionary<string, object> header, Dictionary<string, object> claims, byte[]? key = null, bool sign = true)
    {
        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        if (!sign)
        {
            return signingInput + ".";
        }

        key ??= Convert.FromBase64String(File.ReadAllText(CrowdFixture.Crowd.SigningKeyFile).Trim());
        var data = Encoding.ASCII.GetBytes(signingInput);
        var signature = (string)header["alg"] == "HS512" ? HMACSHA512.HashData(key, data) : HMACSHA256.HashData(key, data);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
