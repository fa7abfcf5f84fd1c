using Crowd.Assignment.Data;
using Crowd.Assignment.Options;
using Crowd.Data;
using Crowd.Data.Outbox;
using Microsoft.Extensions.Options;

namespace Crowd.Assignment.Domain;

/// <summary>
/// Expires claims whose lease ran out and gives their slots back to the pool; then drains the cancelled batches left
/// with no open claim (their last one expired here, or a drain was missed beside a concurrent submission).
/// </summary>
public sealed class LeaseSweeper(Database database, IOptions<LeaseOptions> options, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                var expired = await SweepAsync(token);
                if (expired > 0)
                {
                    logger.LogInformation("Expired {Count} claims; their slots are back in the pool", expired);
                }

                await Task.Delay(options.Value.SweepInterval, token);
            },
            options.Value.SweepInterval, logger, "Lease sweep failed; trying again shortly", stoppingToken);

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        // Row locks make this and a submission exclusive: a claim is either submitted in time or expired, never both.
        const string sql = """
            WITH expired AS (
                UPDATE claims SET status = 'expired', finished_at = now()
                WHERE status = 'active' AND lease_expires_at <= now()
                RETURNING task_id
            ), returned AS (
                UPDATE pool_tasks t SET open_slots = t.open_slots + e.slots
                FROM (SELECT task_id, count(*)::int AS slots FROM expired GROUP BY task_id) e
                WHERE t.task_id = e.task_id AND t.status = 'open'
            )
            SELECT count(*)::int FROM expired
            """;
        await using var work = await database.BeginAsync(cancellationToken);
        var count = await work.QuerySingleAsync<int>(sql);
        count += await work.ExpireExamClaimsAsync(); // exam questions go back to their workers, not to the pool
        await work.PublishDrainedAsync();
        await work.CommitAsync();
        return count;
    }
}
