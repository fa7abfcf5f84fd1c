using System.Net;
using System.Net.Sockets;
using Crowd.ServiceDefaults.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Crowd.ServiceDefaults;

/// <summary>
/// What is fit for a developer's machine and never for real patients' data: with <c>ASPNETCORE_ENVIRONMENT=Production</c>
/// a service refuses to start with the development credentials (<c>crowd</c>, the password <c>./crowd up</c> gives its
/// operators' superuser), a JWT signing key under 32 bytes, or (per request) a plain-http or private-network callback.
/// </summary>
public static class ProductionSafety
{
    /// <summary>HS256 wants a key at least as long as its hash (RFC 7518, 3.2).</summary>
    public const int MinimumSigningKeyBytes = 32;

    /// <summary>The development password of PostgreSQL and RabbitMQ (infra/lib.sh), and RabbitMqOptions' default.</summary>
    private const string DevelopmentPassword = "crowd";

    /// <summary>Stops the start in Production when <see cref="UnsafeSettings"/> finds anything, naming every finding.</summary>
    public static void RefuseUnsafeDefaultsInProduction(this IHostApplicationBuilder builder)
    {
        if (!builder.Environment.IsProduction())
        {
            return;
        }

        var unsafeSettings = UnsafeSettings(builder.Configuration);
        if (unsafeSettings.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to start in Production: {string.Join("; ", unsafeSettings)}. README, \"Running it for real\", says what to set.");
        }
    }

    /// <summary>Each development default still in <paramref name="configuration"/>, in words; empty when there is none.</summary>
    public static IReadOnlyList<string> UnsafeSettings(IConfiguration configuration)
    {
        var found = new List<string>();
        foreach (var (name, value) in configuration.GetSection("ConnectionStrings").AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && new NpgsqlConnectionStringBuilder(value).Password is null or "" or DevelopmentPassword)
            {
                found.Add($"ConnectionStrings:{name} has the development password or none");
            }
        }

        if ((configuration["RabbitMq:Password"] ?? DevelopmentPassword) is "" or DevelopmentPassword)
        {
            found.Add("RabbitMq:Password is the development password or unset");
        }

        var key = TryReadSigningKey(configuration);
        if (key is null || key.Length < MinimumSigningKeyBytes)
        {
            found.Add($"the JWT signing key (Auth:SigningKeyFile or Auth:SigningKey) is {(key is null ? "missing" : $"{key.Length} bytes")}, under {MinimumSigningKeyBytes}");
        }

        return found;
    }

    /// <summary>
    /// Why a requester's callback URL may not be called from Production: not https, or a host that names this machine or
    /// a private or link-local network (a server-side request to it would reach what the internet must not). Null when
    /// it may. Names that resolve there are refused when the callback is made, not here.
    /// </summary>
    public static string? CallbackRefusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != Uri.UriSchemeHttps)
        {
            return "Must be https in Production.";
        }

        if (url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IsPrivateAddress(address)))
        {
            return "Must not name this machine or a private or link-local network in Production.";
        }

        return null;
    }

    /// <summary>Loopback, private, carrier-grade NAT, link-local or unspecified: an address a server-side request must not reach from Production.</summary>
    public static bool IsPrivateAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
    }

    private static byte[]? TryReadSigningKey(IConfiguration configuration)
    {
        try
        {
            return AuthExtensions.ReadSigningKey(configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException)
        {
            return null;
        }
    }
}
