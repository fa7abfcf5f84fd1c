using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Holds the batch's maximum cost in escrow, or rejects the batch when the requester's balance is short; holds nothing for a
/// batch already cancelled.
/// </summary>
public sealed class BatchSubmittedConsumer(Database database) : InboxConsumer<BatchSubmitted>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchSubmitted> context) => HoldAsync(work, context.Message);

    /// <summary>The consumer's work on one message, inside <paramref name="work"/> (it does not commit).</summary>
    public static async Task HoldAsync(UnitOfWork work, BatchSubmitted batch)
    {
        // Cancelled while it waited for funding (the cancel's queue can be ahead of this one): nothing is held, nothing announced.
        var cancelled = await work.IsCancelledAsync(batch.BatchId);
        var available = Account.RequesterAvailable(batch.RequesterId);
        // Locks the requester's balance so that two batches submitted together cannot both spend it.
        var balance = cancelled ? 0 : await work.BalanceAsync(available, forUpdate: true);
        var funded = !cancelled && balance >= batch.MaxCostCents;

        const string record = """
            INSERT INTO batch_escrows (batch_id, requester_id, max_cost_cents, fee_cents_per_annotation, task_count, status,
                bonus_cents, fee_cents_per_bonus)
            VALUES (@BatchId, @RequesterId, @MaxCostCents, @FeeCentsPerAnnotation, @TaskCount, @status, @BonusCents, @FeeCentsPerBonus)
            """;
        await work.ExecuteAsync(record, new
        {
            batch.BatchId, batch.RequesterId, batch.MaxCostCents, batch.FeeCentsPerAnnotation, batch.TaskCount, batch.BonusCents,
            batch.FeeCentsPerBonus, status = cancelled ? Escrows.Cancelled : funded ? Escrows.Funded : Escrows.Rejected,
        });

        if (cancelled)
        {
            return;
        }

        if (funded)
        {
            await work.PostAsync(Movement.Transfer(
                $"escrow:{batch.BatchId}", "escrow", available, Account.Escrow(batch.BatchId, batch.RequesterId), batch.MaxCostCents, batch.BatchId,
                "maximum cost held for the batch"));
            work.Publish(new BatchFunded { BatchId = batch.BatchId, EscrowCents = batch.MaxCostCents });
        }
        else
        {
            work.Publish(new BatchFundingRejected
            {
                BatchId = batch.BatchId,
                Reason = $"insufficient funds: available {balance} cents, the batch may cost up to {batch.MaxCostCents} cents",
            });
        }
    }
}
