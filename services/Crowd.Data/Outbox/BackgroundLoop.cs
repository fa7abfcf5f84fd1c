using Microsoft.Extensions.Logging;

namespace Crowd.Data.Outbox;

/// <summary>Runs a background pass again and again until the host stops; a failed pass is logged and tried again after a pause.</summary>
public static class BackgroundLoop
{
    public static async Task RepeatAsync(Func<CancellationToken, Task> pass, TimeSpan pauseAfterFailure, ILogger logger, string failure, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A background loop that dies would stop the host (or leave the relays to polling): it logs and goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
#pragma warning disable CA2254 // The message is one of this block's constant sentences.
                logger.LogWarning(exception, failure);
#pragma warning restore CA2254
                await Task.Delay(pauseAfterFailure, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
