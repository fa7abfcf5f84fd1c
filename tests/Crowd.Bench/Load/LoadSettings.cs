using Crowd.Cli;

namespace Crowd.Bench.Load;

/// <summary>
/// The options of <c>load</c> and <c>raw-claims</c>: <c>--workers N --connections C --seconds S [--warmup W]
/// [--claims-only] [--items I] [--raw-tasks T] [--gateway URL] [--key-file F]</c>.
/// </summary>
public sealed record LoadSettings
{
    /// <summary>Workers a pair run takes turns with (issue 8's measurement: 500).</summary>
    public const int PairWorkers = 500;

    /// <summary>Workers a claims-only run takes turns with (issue 8's measurement: 16).</summary>
    public const int ClaimWorkers = 16;

    /// <summary>Null when not given: each mode then uses its own default (<see cref="PairWorkers"/>, <see cref="ClaimWorkers"/>).</summary>
    public int? Workers { get; init; }
    public int Connections { get; init; } = 8;
    public TimeSpan Measured { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public bool ClaimsOnly { get; init; }

    /// <summary>Items of the run's batch, one task each (at most 50,000 per batch, API.md).</summary>
    public int Items { get; init; } = 20_000;

    /// <summary>Tasks in the raw baseline's pool, refilled before each of its loops.</summary>
    public int RawTasks { get; init; } = 150_000;

    public Uri Gateway { get; init; } = new("http://127.0.0.1:5100");

    /// <summary>The deployment's signing key: <c>.crowd/jwt.key</c> of the checkout ./crowd runs from.</summary>
    public string KeyFile { get; init; } = Path.Combine(Environment.GetEnvironmentVariable("CROWD_ROOT") ?? ".", ".crowd", "jwt.key");

    public int WorkersFor(bool claimsOnly) => Workers ?? (claimsOnly ? ClaimWorkers : PairWorkers);

    public static CommandSyntax Syntax { get; } = new(
        "load|raw-claims [--workers N] [--connections 8] [--seconds 20] [--warmup 3] [--claims-only] [--items 20000] [--raw-tasks 150000] [--gateway URL] [--key-file F]",
        ["workers", "connections", "seconds", "warmup", "items", "raw-tasks", "gateway", "key-file"], Flags: ["claims-only"]);

    public static LoadSettings Parse(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, Syntax);
        var defaults = new LoadSettings();
        var settings = new LoadSettings
        {
            Workers = line.One("workers") is null ? null : line.Number("workers", PairWorkers),
            Connections = line.Number("connections", defaults.Connections),
            Measured = TimeSpan.FromSeconds(line.Number("seconds", (int)defaults.Measured.TotalSeconds)),
            Warmup = TimeSpan.FromSeconds(line.Number("warmup", (int)defaults.Warmup.TotalSeconds)),
            ClaimsOnly = line.Flag("claims-only"),
            Items = line.Number("items", defaults.Items),
            RawTasks = line.Number("raw-tasks", defaults.RawTasks),
            Gateway = line.One("gateway") is { } gateway ? new Uri(gateway) : defaults.Gateway,
            KeyFile = line.One("key-file") ?? defaults.KeyFile,
        };
        if (settings.Workers is < 1 || settings.Connections < 1 || settings.Measured <= TimeSpan.Zero || settings.Warmup < TimeSpan.Zero
            || settings.Items is < 1 or > 50_000 || settings.RawTasks < 1)
        {
            throw new ArgumentException(
                "--workers, --connections and --seconds must be at least 1, --warmup at least 0, --items 1 to 50,000, --raw-tasks at least 1");
        }

        return settings;
    }
}
