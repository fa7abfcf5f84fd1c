using System.Text.Json;
using Crowd.Contracts.Batches;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Labels;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Options;
using MassTransit;
using Microsoft.Extensions.Options;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Consumers;

/// <summary>Escrow is held: the batch opens and its tasks go to the worker pool in chunks.</summary>
public sealed class BatchFundedConsumer(Database database, IOptions<PlatformOptions> platform) : InboxConsumer<BatchFunded>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<BatchFunded> context) =>
        OpenAsync(work, context.Message.BatchId, platform.Value.ReleaseChunkSize);

    /// <summary>
    /// Opens the pending batch and writes its release, chunk by chunk, to the outbox of <paramref name="work"/>; a batch
    /// opened (or ended) already is left as it is. Public for the benchmark, which drives it without a broker.
    /// </summary>
    public static async Task OpenAsync(UnitOfWork work, Guid batchId, int chunkSize)
    {
        var batch = await work.FindBatchAsync(batchId, forUpdate: true)
            ?? throw new InvalidOperationException($"Funded batch {batchId} is unknown here.");
        if (batch.Status != BatchStatus.PendingFunding)
        {
            return;
        }

        await work.ExecuteAsync("UPDATE batches SET status = @status WHERE batch_id = @batchId", new { status = BatchStatus.Open, batch.BatchId });
        work.AuditStatus(batch.BatchId, BatchStatus.Open, AuditActor.System, "escrow held; tasks released to workers");
        await work.RecordWebhookAsync(batch.BatchId, WebhookEvents.BatchFunded, new { status = BatchStatus.Open, batch.TaskCount, batch.MaxCostCents });
        var schema = JsonDocument.Parse(batch.LabelSchema).RootElement;
        var kind = LabelSchema.From(schema);
        var policy = new TaskPolicy
        {
            SchemaKind = kind.Kind,
            Classes = kind.Classes,
            RedundancyMin = batch.RedundancyMin,
            RedundancyMax = batch.RedundancyMax,
            AcceptanceThreshold = batch.AcceptanceThreshold,
            IsGold = false,
            Unit = kind.Unit,
            Min = kind.Min,
            Max = kind.Max,
            Tolerance = Number(schema, "tolerance"),
            DiceThreshold = Number(schema, "diceThreshold"),
        };

        // A page of tasks becomes one TasksReleased, written to the outbox at once: however big the batch, the
        // process holds one chunk, and every chunk still commits with the batch's opening or not at all.
        for (var after = -1; ;)
        {
            var tasks = await work.TasksAsync(batch.BatchId, after, chunkSize);
            if (tasks.Count == 0)
            {
                break;
            }

            work.Publish(new TasksReleased
            {
                BatchId = batch.BatchId,
                RequesterId = batch.RequesterId,
                LabelSchema = schema,
                GuidelinesUrl = batch.GuidelinesUrl,
                RequiredQualifications = batch.RequiredQualifications,
                Priority = batch.Priority,
                RewardCents = batch.PricePerAnnotationCents,
                MaxItemSharePerWorker = batch.MaxItemSharePerWorker,
                Tasks = tasks.Select(task => new ReleasedTask
                {
                    TaskId = task.TaskId,
                    ItemId = task.ItemId,
                    ItemTaskCount = task.ItemTaskCount,
                    ContentUri = task.ContentUri,
                    Slice = task.SliceFrom is { } from && task.SliceTo is { } to ? new SliceRange(from, to) : null,
                    Tile = BatchStore.ParseTile(task.Tile),
                    Policy = (task.IsGold
                        ? policy with { IsGold = true, GoldTruth = task.Truth is null ? null : JsonDocument.Parse(task.Truth).RootElement }
                        : policy) with { Prediction = task.Prediction is null ? null : JsonSerializer.Deserialize<ModelPrediction>(task.Prediction, JsonSerializerOptions.Web) },
                }).ToList(),
            });
            await work.FlushOutboxAsync();
            if (tasks.Count < chunkSize)
            {
                break;
            }

            after = tasks[^1].Position;
        }
    }

    private static double? Number(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
