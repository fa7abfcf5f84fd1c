using Crowd.Cli.Auth;

namespace Crowd.Cli.Commands;

/// <summary><c>crowd token --role ROLE [--role ROLE] --sub ID [--key-file F] [--hours H]</c>: prints a signed JWT as its last line.</summary>
public static class TokenCommand
{
    private static readonly string[] KnownRoles = ["requester", "worker", "qa", "admin"];

    public static int Run(string[] args)
    {
        var options = CommandLine.Parse(args);
        var roles = options.All("role");
        var sub = options.One("sub");
        if (roles.Count == 0 || sub is null || roles.Any(r => !KnownRoles.Contains(r)))
        {
            Console.Error.WriteLine($"usage: crowd token --role {string.Join('|', KnownRoles)} [--role ...] --sub ID [--key-file .crowd/jwt.key] [--hours 12]");
            return 2;
        }

        var keyFile = options.One("key-file") ?? ".crowd/jwt.key";
        if (!File.Exists(keyFile))
        {
            Console.Error.WriteLine($"token: no signing key at {keyFile}; run ./crowd up first");
            return 2;
        }

        var hours = double.TryParse(options.One("hours"), System.Globalization.CultureInfo.InvariantCulture, out var h) ? h : 12;
        Console.WriteLine(TokenIssuer.FromKeyFile(keyFile).Issue(sub, roles, TimeSpan.FromHours(hours)));
        return 0;
    }
}
