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

namespace Crowd.Slicing.Consumers;

/// <summary>Escrow is held: the batch opens and its tasks go to the worker pool in chunks.</summary>
public sealed class BatchFundedConsumer(Database database, IOptions<PlatformOptions> platform) : InboxConsumer<BatchFunded>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<BatchFunded> context)
    {
        var batch = await work.FindBatchAsync(context.Message.BatchId, forUpdate: true)
            ?? throw new InvalidOperationException($"Funded batch {context.Message.BatchId} is unknown here.");
        if (batch.Status != BatchStatus.PendingFunding)
        {
            return;
        }

        await work.ExecuteAsync("UPDATE batches SET status = @status WHERE batch_id = @batchId", new { status = BatchStatus.Open, batch.BatchId });
        work.AuditStatus(batch.BatchId, BatchStatus.Open, AuditActor.System, "escrow held; tasks released to workers");
        var schema = JsonDocument.Parse(batch.LabelSchema).RootElement;
        var kind = LabelSchema.From(schema);
        var tasks = await work.TasksAsync(batch.BatchId);
        foreach (var chunk in tasks.Chunk(platform.Value.ReleaseChunkSize))
        {
            work.Publish(new TasksReleased
            {
                BatchId = batch.BatchId,
                LabelSchema = schema,
                GuidelinesUrl = batch.GuidelinesUrl,
                RequiredQualifications = batch.RequiredQualifications,
                Priority = batch.Priority,
                RewardCents = batch.PricePerAnnotationCents,
                Tasks = chunk.Select(task => new ReleasedTask
                {
                    TaskId = task.TaskId,
                    ContentUri = task.ContentUri,
                    Slice = task.SliceFrom is { } from ? new SliceRange(from, task.SliceTo!.Value) : null,
                    Tile = BatchStore.ParseTile(task.Tile),
                    Policy = new TaskPolicy
                    {
                        SchemaKind = kind.Kind,
                        Classes = kind.Classes,
                        RedundancyMin = batch.RedundancyMin,
                        RedundancyMax = batch.RedundancyMax,
                        AcceptanceThreshold = batch.AcceptanceThreshold,
                        IsGold = task.IsGold,
                        GoldTruth = task.Truth is null ? null : JsonDocument.Parse(task.Truth).RootElement,
                        Unit = kind.Unit,
                        Min = kind.Min,
                        Max = kind.Max,
                        Tolerance = Number(schema, "tolerance"),
                        DiceThreshold = Number(schema, "diceThreshold"),
                    },
                }).ToList(),
            });
        }
    }

    private static double? Number(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
