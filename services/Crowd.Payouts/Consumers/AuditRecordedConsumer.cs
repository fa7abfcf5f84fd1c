using Crowd.Contracts.Audit;
using Crowd.Data;
using Crowd.Payouts.Audit;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>Every service's audited acts, this one's included, join the one chain here.</summary>
public sealed class AuditRecordedConsumer(Database database) : InboxConsumer<AuditRecorded>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<AuditRecorded> context) => work.AppendAsync(context.Message);
}
