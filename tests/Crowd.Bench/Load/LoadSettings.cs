using Crowd.Cli;

namespace Crowd.Bench.Load;

/// <summary>
/// The options of <c>load</c> and <c>raw-claims</c>: <c>--workers N --connections C --seconds S [--warmup W]
/// [--claims-only] [--items I] [--raw-tasks T] [--gateway URL] [--key-file F]</c>.
/// </summary>
public sealed record LoadSettings
{
    /// <summary>
    /// Workers a run takes turns with, pairs or claims alone (issue 8's measurement: 500 for pairs). Issue 8 measured claims
    /// alone with 16, but claims alone only run with the open-claims limit lifted, and then each of 16 workers holds about a
    /// thousand open claims by the end, which every claim counts (the limit's check): that run measured the count more
    /// than the claim.
    /// </summary>
    public const int DefaultWorkers = 500;

    /// <summary>Items of a pair run's batch.</summary>
    public const int PairItems = 20_000;

    /// <summary>Items of a claims-only run's batch: claims alone go through 20,000 tasks before the end of the run.</summary>
    public const int ClaimItems = 50_000;

    public int Workers { get; init; } = DefaultWorkers;
    public int Connections { get; init; } = 8;
    public TimeSpan Measured { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public bool ClaimsOnly { get; init; }

    /// <summary>Items of the run's batch, one task each (at most 50,000 per batch, API.md): <see cref="PairItems"/> or <see cref="ClaimItems"/>.</summary>
    public int Items { get; init; } = PairItems;

    /// <summary>Tasks in the raw baseline's pool, refilled before each of its loops.</summary>
    public int RawTasks { get; init; } = 150_000;

    public Uri Gateway { get; init; } = new("http://127.0.0.1:5100");

    /// <summary>The deployment's signing key: <c>.crowd/jwt.key</c> of the checkout ./crowd runs from.</summary>
    public string KeyFile { get; init; } = Path.Combine(Environment.GetEnvironmentVariable("CROWD_ROOT") ?? ".", ".crowd", "jwt.key");

    public static CommandSyntax Syntax { get; } = new(
        "load|raw-claims [--workers 500] [--connections 8] [--seconds 20] [--warmup 3] [--claims-only] [--items 20000|50000] [--raw-tasks 150000] [--gateway URL] [--key-file F]",
        ["workers", "connections", "seconds", "warmup", "items", "raw-tasks", "gateway", "key-file"], Flags: ["claims-only"]);

    public static LoadSettings Parse(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, Syntax);
        var defaults = new LoadSettings();
        var settings = new LoadSettings
        {
            Workers = line.Number("workers", defaults.Workers),
            Connections = line.Number("connections", defaults.Connections),
            Measured = TimeSpan.FromSeconds(line.Number("seconds", (int)defaults.Measured.TotalSeconds)),
            Warmup = TimeSpan.FromSeconds(line.Number("warmup", (int)defaults.Warmup.TotalSeconds)),
            ClaimsOnly = line.Flag("claims-only"),
            Items = line.Number("items", line.Flag("claims-only") ? ClaimItems : PairItems),
            RawTasks = line.Number("raw-tasks", defaults.RawTasks),
            Gateway = line.One("gateway") is { } gateway ? new Uri(gateway) : defaults.Gateway,
            KeyFile = line.One("key-file") ?? defaults.KeyFile,
        };
        if (settings.Workers < 1 || settings.Connections < 1 || settings.Measured <= TimeSpan.Zero || settings.Warmup < TimeSpan.Zero
            || settings.Items is < 1 or > 50_000 || settings.RawTasks < 1)
        {
            throw new ArgumentException(
                "--workers, --connections and --seconds must be at least 1, --warmup at least 0, --items 1 to 50,000, --raw-tasks at least 1");
        }

        return settings;
    }
}
