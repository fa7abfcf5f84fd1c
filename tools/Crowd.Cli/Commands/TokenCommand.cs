using Crowd.Cli.Auth;

namespace Crowd.Cli.Commands;

/// <summary><c>crowd token --role ROLE [--role ROLE] --sub ID [--key-file F] [--hours H]</c>: prints a signed JWT as its last line.</summary>
public static class TokenCommand
{
    private static readonly string[] KnownRoles = ["requester", "worker", "qa", "admin"];

    public static CommandSyntax Syntax { get; } = new(
        $"crowd token --role {string.Join('|', KnownRoles)} [--role ...] --sub ID [--key-file .crowd/jwt.key] [--hours 12]",
        ["role", "sub", "key-file", "hours"], Repeatable: ["role"]);

    public static int Run(CommandLine options)
    {
        var roles = options.All("role");
        var sub = options.Required("sub");
        if (roles.Count == 0)
        {
            throw new UsageException($"missing --role; usage: {Syntax.Usage}");
        }

        if (roles.FirstOrDefault(r => !KnownRoles.Contains(r)) is { } unknown)
        {
            throw new UsageException($"unknown role '{unknown}'; usage: {Syntax.Usage}");
        }

        var keyFile = options.One("key-file") ?? ".crowd/jwt.key";
        if (!File.Exists(keyFile))
        {
            Console.Error.WriteLine($"token: no signing key at {keyFile}; run ./crowd up first");
            return 2;
        }

        var hours = options.Number("hours", 12);
        Console.WriteLine(TokenIssuer.FromKeyFile(keyFile).Issue(sub, roles, TimeSpan.FromHours(hours)));
        return 0;
    }
}
