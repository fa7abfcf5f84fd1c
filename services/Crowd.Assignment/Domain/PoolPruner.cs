using Crowd.Assignment.Data;
using Crowd.Assignment.Options;
using Crowd.Data.Outbox;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Crowd.Assignment.Domain;

/// <summary>
/// Deletes the pool rows of batches finished more than <see cref="PoolOptions.KeepFinished"/> ago, every
/// <see cref="PoolOptions.PruneInterval"/> (<see cref="FinishedBatches.PruneAsync"/>): the claim statement's tables hold
/// the open work and its recent past, not every claim ever made.
/// </summary>
public sealed class PoolPruner(NpgsqlDataSource dataSource, IOptions<PoolOptions> options, ILogger<PoolPruner> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundLoop.RepeatAsync(
            async token =>
            {
                var (batches, tasks) = await FinishedBatches.PruneAsync(dataSource, options.Value.KeepFinished, token);
                if (batches > 0)
                {
                    logger.LogInformation("Pruned {Batches} finished batches from the pool: {Tasks} tasks with their claims and annotations", batches, tasks);
                }

                await Task.Delay(options.Value.PruneInterval, token);
            },
            options.Value.PruneInterval, logger, "Pruning finished batches from the pool failed; trying again later", stoppingToken);
}
