using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crowd.Data;
using Crowd.Data.Outbox;
using Microsoft.Extensions.Options;

namespace Crowd.Payouts.Audit;

/// <summary>Section <c>Audit</c>: where the chain's head is checkpointed, and with which key.</summary>
public sealed class AuditCheckpointOptions
{
    /// <summary>
    /// The append-only file of checkpoints, one JSON line each (<c>./crowd up</c>: <c>.crowd/audit/checkpoints.jsonl</c>).
    /// A deployment points it at storage the database's operators cannot rewrite (WORM). None: no checkpoints.
    /// </summary>
    public string? File { get; set; }

    /// <summary>The signing key, base64 in a file (like the JWT key): the database never holds it.</summary>
    public string? KeyFile { get; set; }

    /// <summary>How often the head is checkpointed when it has moved: at most this much of the newest history is unanchored.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The chain's head as it stood at <see cref="At"/>: the event at <see cref="Seq"/> had <see cref="Hash"/>, and the chain
/// held <see cref="Events"/> events up to it. <see cref="Signature"/> is the lower-case hex HMAC-SHA256, under the
/// checkpoint key, of <c>"{seq}\n{hash}\n{events}\n{at}"</c> (at as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>).
/// </summary>
public sealed record AuditCheckpoint(long Seq, string Hash, long Events, DateTime At, string Signature);

/// <summary>The chain's last event.</summary>
public sealed record ChainHead(long Seq, string Hash);

/// <summary>The latest checkpoint whose signature holds, and how many lines of the file do not verify.</summary>
public sealed record CheckpointFile(AuditCheckpoint? Latest, int Unverified);

/// <summary>
/// Tamper evidence beyond the database. The hash chain shows an edit in the middle of the history, but whoever can
/// write the table can delete its newest events, or rewrite the whole tail and recompute every hash after it, and the
/// chain alone still verifies. So every <see cref="AuditCheckpointOptions.Interval"/> the head is signed with a key the
/// database does not hold and appended to a file outside it; <c>/v1/audit/verify</c> then checks the chain against the
/// latest checkpoint (<see cref="AuditChain.VerifyAuditChainAsync"/>). What it cannot show: events deleted within the
/// last interval, before any checkpoint named them; and a file rewritten by someone holding the key (hence WORM storage).
/// </summary>
public sealed class AuditCheckpoints(IOptions<AuditCheckpointOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web);
    private readonly Lazy<byte[]?> _key = new(() =>
        options.Value.KeyFile is { Length: > 0 } file ? Convert.FromBase64String(System.IO.File.ReadAllText(file).Trim()) : null);

    /// <summary>True when a file and a key are configured.</summary>
    public bool Enabled => options.Value.File is { Length: > 0 } && _key.Value is not null;

    public AuditCheckpoint Sign(long seq, string hash, long events, DateTime at)
    {
        var utc = new DateTime(at.Ticks - (at.Ticks % 10), DateTimeKind.Utc);
        return new AuditCheckpoint(seq, hash, events, utc, SignatureOf(seq, hash, events, utc));
    }

    public bool Verifies(AuditCheckpoint checkpoint) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(checkpoint.Signature),
            Encoding.ASCII.GetBytes(SignatureOf(checkpoint.Seq, checkpoint.Hash, checkpoint.Events, checkpoint.At)));

    /// <summary>Appends one line. Appends of a line this short are whole on a local file, so instances may share the file.</summary>
    public async Task AppendAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var path = options.Value.File!;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await System.IO.File.AppendAllTextAsync(path, JsonSerializer.Serialize(checkpoint, Json) + "\n", cancellationToken);
    }

    /// <summary>
    /// The checkpoint with the highest seq among the lines whose signature holds (instances may append out of order), and
    /// how many lines do not parse or verify: a line written without the key is itself a sign of tampering.
    /// </summary>
    public async Task<CheckpointFile> ReadLatestAsync(CancellationToken cancellationToken)
    {
        if (!Enabled || !System.IO.File.Exists(options.Value.File))
        {
            return new CheckpointFile(null, 0);
        }

        AuditCheckpoint? latest = null;
        var unverified = 0;
        foreach (var line in await System.IO.File.ReadAllLinesAsync(options.Value.File!, cancellationToken))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var checkpoint = TryParse(line);
            if (checkpoint is null || !Verifies(checkpoint))
            {
                unverified++;
            }
            else if (latest is null || checkpoint.Seq > latest.Seq)
            {
                latest = checkpoint;
            }
        }

        return new CheckpointFile(latest, unverified);
    }

    private static AuditCheckpoint? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditCheckpoint>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string SignatureOf(long seq, string hash, long events, DateTime at)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{seq}\n{hash}\n{events}\n{at.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key.Value!, Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>
/// Checkpoints the chain's head every interval, when it has moved since the last checkpoint; never backwards (a head
/// below the last checkpoint means events were deleted: that is for verify to report, not to sign).
/// </summary>
public sealed class AuditCheckpointer(
    AuditCheckpoints checkpoints, Database database, IOptions<AuditCheckpointOptions> options, TimeProvider time, ILogger<AuditCheckpointer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!checkpoints.Enabled)
        {
            logger.LogWarning("Audit checkpoints are off (Audit:File and Audit:KeyFile not set): deleting the newest audit events would go unnoticed");
            return;
        }

        var last = (await checkpoints.ReadLatestAsync(stoppingToken)).Latest;
        await BackgroundLoop.RepeatAsync(async token =>
        {
            last = await CheckpointAsync(last, token) ?? last;
            await Task.Delay(options.Value.Interval, time, token);
        }, options.Value.Interval, logger, "Checkpointing the audit chain failed; trying again", stoppingToken);
    }

    private async Task<AuditCheckpoint?> CheckpointAsync(AuditCheckpoint? last, CancellationToken cancellationToken)
    {
        await using var work = await database.BeginAsync(cancellationToken);
        // One snapshot: the head and the count describe the same chain.
        await work.ExecuteAsync("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        var head = await work.QuerySingleOrDefaultAsync<ChainHead>("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
        if (head is null || (last is not null && head.Seq <= last.Seq))
        {
            return null;
        }

        // Counted on from the last checkpoint, so a checkpoint costs the events since, not the whole history.
        var since = last?.Seq ?? 0;
        var added = await work.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE seq > @since AND seq <= @Seq", new { since, head.Seq });
        var checkpoint = checkpoints.Sign(head.Seq, head.Hash, (last?.Events ?? 0) + added, time.GetUtcNow().UtcDateTime);
        await checkpoints.AppendAsync(checkpoint, cancellationToken);
        return checkpoint;
    }
}
