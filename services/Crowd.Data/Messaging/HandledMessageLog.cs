using MassTransit;
using Microsoft.Extensions.Logging;

namespace Crowd.Data.Messaging;

/// <summary>
/// One Information line per message a consumer handled, with its type and id (and, through the log's scopes, the trace
/// it belongs to): what an operator greps when asking where a batch is stuck. A batch consumer's delivery is one line
/// naming how many messages it held.
/// </summary>
public sealed class HandledMessageLog(ILogger<HandledMessageLog> logger) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(Batch<>))
        {
            logger.LogInformation("Handled a batch of {Count} {MessageType}",
                ((System.Collections.IEnumerable)context.Message).Cast<object>().Count(), typeof(T).GenericTypeArguments[0].Name);
        }
        else
        {
            logger.LogInformation("Handled {MessageType} {MessageId}", typeof(T).Name, context.MessageId);
        }

        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
