using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Crowd.Slicing.Webhooks;

/// <summary>
/// API.md's <c>Crowd-Signature</c>, as Stripe signs: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(key, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>, the key
/// being the UTF-8 bytes of the secret string; one <c>v1</c> per secret still valid, newest first, so that a receiver
/// holding either the new or the replaced secret can check it during a rotation.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Crowd-Signature";

    public static string Sign(string body, DateTimeOffset at, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secrets);
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"{t}.{body}");
        return string.Join(',', secrets.Select(secret => $"v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}").Prepend($"t={t}"));
    }

    /// <summary>A new secret: 32 random bytes, as a string a requester can paste (<c>whsec_</c> and base64url).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
