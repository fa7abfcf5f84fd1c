using System.Text.Json;
using Crowd.Consensus.Domain;
using Crowd.Consensus.Domain.Kinds;
using Crowd.Consensus.Engine.Online;
using Crowd.Consensus.Options;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Contracts.Workers;
using Crowd.Data;

namespace Crowd.Consensus.Data;

public sealed record TaskState(Guid TaskId, Guid BatchId, string Policy, string Status, string? FinalLabel, string? Content, int Revision)
{
    public TaskPolicy ReadPolicy() => JsonSerializer.Deserialize<TaskPolicy>(Policy, JsonSerializerOptions.Web)!;

    /// <summary>What the task shows (its slice window or tile); null while no annotation has brought it.</summary>
    public TaskContent? ReadContent() => Content is null ? null : JsonSerializer.Deserialize<TaskContent>(Content, JsonSerializerOptions.Web);

    /// <summary>The final label's payload; null while undecided, and for a task QA excluded.</summary>
    public JsonElement? FinalPayload() => FinalLabel is null ? null : JsonDocument.Parse(FinalLabel).RootElement;
}

/// <summary>A stored annotation; its payload is the JSON the worker submitted, of the task's schema kind.</summary>
public sealed record StoredAnnotation(Guid AnnotationId, Guid TaskId, string WorkerId, string Payload, long RewardCents, bool Judged)
{
    public JsonElement Read() => JsonDocument.Parse(Payload).RootElement;
}

public static class TaskStore
{
    public const string Collecting = "collecting";
    public const string Escalated = "escalated";
    public const string Finalized = "finalized";
    /// <summary>The batch was cancelled before the task had a final label; see <see cref="Cancellations"/>.</summary>
    public const string Cancelled = "cancelled";
    public const string Excluded = "excluded";

    internal const string TaskColumns = "task_id, batch_id, policy::text AS policy, status, final_label::text AS final_label, content::text AS content, revision";

    private const string AnnotationColumns = "annotation_id, task_id, worker_id, payload::text AS payload, reward_cents, judged";

    /// <summary>
    /// The tasks' states, each created on its first annotation, locked so that a task's annotations are decided one
    /// batch at a time: in one round trip, created and locked in id order, returned in id order.
    /// </summary>
    public static async Task<IReadOnlyList<TaskState>> LockTasksAsync(
        this UnitOfWork work, IReadOnlyList<(Guid TaskId, Guid BatchId, TaskPolicy Policy, TaskContent? Content)> tasks)
    {
        var ordered = tasks.OrderBy(t => t.TaskId).ToList();
        // The content comes with every annotation; a task first seen without it (an older sender) takes it from a later one.
        const string sql = $"""
            INSERT INTO consensus_tasks (task_id, batch_id, policy, content)
            SELECT task_id, batch_id, policy::jsonb, content::jsonb
            FROM unnest(@taskIds, @batchIds, @policies, @contents) AS t(task_id, batch_id, policy, content)
            ORDER BY task_id
            ON CONFLICT (task_id) DO UPDATE SET content = EXCLUDED.content
                WHERE consensus_tasks.content IS NULL AND EXCLUDED.content IS NOT NULL;
            SELECT {TaskColumns} FROM consensus_tasks WHERE task_id = ANY(@taskIds) ORDER BY task_id FOR UPDATE;
            """;
        return (await work.QueryAsync<TaskState>(sql, new
        {
            taskIds = ordered.Select(t => t.TaskId).ToArray(),
            batchIds = ordered.Select(t => t.BatchId).ToArray(),
            policies = ordered.Select(t => JsonSerializer.Serialize(t.Policy, JsonSerializerOptions.Web)).ToArray(),
            contents = ordered.Select(t => t.Content is null ? null : JsonSerializer.Serialize(t.Content, JsonSerializerOptions.Web)).ToArray(),
        })).ToList();
    }

    public static async Task<TaskState?> LockTaskAsync(this UnitOfWork work, Guid taskId) =>
        await work.QuerySingleOrDefaultAsync<TaskState>(
            $"SELECT {TaskColumns} FROM consensus_tasks WHERE task_id = @taskId FOR UPDATE", new { taskId });

    /// <summary>Some task of the batch (every one carries the batch's schema), or null before the batch's first annotation.</summary>
    public static Task<TaskState?> AnyTaskOfBatchAsync(this UnitOfWork work, Guid batchId) =>
        work.QuerySingleOrDefaultAsync<TaskState>($"SELECT {TaskColumns} FROM consensus_tasks WHERE batch_id = @batchId LIMIT 1", new { batchId });

    /// <summary>Stores the submitted annotations in one statement; one already stored (delivered again) is left as it is.</summary>
    public static Task StoreAnnotationsAsync(this UnitOfWork work, IReadOnlyList<AnnotationSubmitted> submitted) =>
        work.ExecuteAsync("""
            INSERT INTO annotations (annotation_id, task_id, worker_id, payload, reward_cents, submitted_at)
            SELECT annotation_id, task_id, worker_id, payload::jsonb, reward_cents, submitted_at
            FROM unnest(@annotationIds, @taskIds, @workerIds, @payloads, @rewards, @submittedAts)
                AS a(annotation_id, task_id, worker_id, payload, reward_cents, submitted_at)
            ON CONFLICT (annotation_id) DO NOTHING
            """, new
        {
            annotationIds = submitted.Select(s => s.AnnotationId).ToArray(),
            taskIds = submitted.Select(s => s.TaskId).ToArray(),
            workerIds = submitted.Select(s => s.WorkerId).ToArray(),
            payloads = submitted.Select(s => s.Payload.GetRawText()).ToArray(),
            rewards = submitted.Select(s => s.RewardCents).ToArray(),
            submittedAts = submitted.Select(s => s.SubmittedAt.UtcDateTime).ToArray(),
        });

    public static async Task<IReadOnlyList<StoredAnnotation>> AnnotationsAsync(this UnitOfWork work, Guid taskId) =>
        await work.AnnotationsAsync([taskId]);

    /// <summary>The annotations of several tasks in one query, each task's in submission order.</summary>
    public static async Task<IReadOnlyList<StoredAnnotation>> AnnotationsAsync(this UnitOfWork work, Guid[] taskIds) =>
        (await work.QueryAsync<StoredAnnotation>(
            $"SELECT {AnnotationColumns} FROM annotations WHERE task_id = ANY(@taskIds) ORDER BY task_id, submitted_at, annotation_id",
            new { taskIds })).ToList();

    /// <summary>
    /// Makes <paramref name="label"/> the task's final label, once (stored at commit, <see cref="DecidedRows"/>): announces
    /// it (results), closes the task in the pool, and judges every annotation against it (payment, reliability;
    /// <paramref name="locked"/> as in <see cref="JudgeAsync"/>).
    /// </summary>
    public static async Task FinalizeAsync(
        this UnitOfWork work, TaskState task, bool isGold, JsonElement label, string source, double confidence, double agreement,
        IReadOnlyList<StoredAnnotation> annotations, ConsensusOptions options, LockedReliabilities? locked = null)
    {
        work.Decided().Finalized.Add((task.TaskId, label.GetRawText(), source));
        var policy = task.ReadPolicy();
        var kind = ConsensusKinds.Of(policy);
        work.AnnounceLabel(new LabelAccepted
        {
            TaskId = task.TaskId,
            BatchId = task.BatchId,
            Label = label,
            Confidence = confidence,
            Agreement = agreement,
            AnnotationCount = annotations.Count,
            Source = source,
            IsGold = isGold,
            AgreeingCount = annotations.Count(a => !a.Judged && kind.Agrees(policy, a.Read(), label)),
            Revision = task.Revision,
            ModelAgrees = policy.Prediction is { } prediction ? kind.Agrees(policy, prediction.Label, label) : null,
        });
        work.AnnounceFinal(task);
        await work.JudgeAsync(task, label, annotations, options, teachModel: task.Revision == 1, locked);
    }

    /// <summary>Sends the task to QA's disagreement queue with <paramref name="candidate"/> as the label to beat.</summary>
    public static async Task EscalateAsync(this UnitOfWork work, TaskState task, JsonElement candidate, int annotationCount)
    {
        var disagreementId = Guid.CreateVersion7();
        await work.ExecuteAsync("""
            UPDATE consensus_tasks SET status = 'escalated' WHERE task_id = @TaskId;
            INSERT INTO disagreements (disagreement_id, task_id, batch_id, candidate)
            VALUES (@disagreementId, @TaskId, @BatchId, @candidate::jsonb);
            """, new { task.TaskId, task.BatchId, disagreementId, candidate = candidate.GetRawText() });
        work.Publish(new TaskEscalated { TaskId = task.TaskId, BatchId = task.BatchId, DisagreementId = disagreementId, AnnotationCount = annotationCount });
    }

    /// <summary>
    /// Judges the annotations not judged yet (all of them at finalization; a straggler after it) against the final label:
    /// payouts pays each one, and each worker's reliability learns from it. A worker whose estimated accuracy falls
    /// under the platform's floor is suspended, once. A task QA excluded has no final label (null): its annotations are
    /// paid, since the work was done, but teach no reliability, since nothing says which of them was right. With
    /// <paramref name="teachModel"/> (a task's first final label) the task's model prediction, if any, teaches its model too.
    /// <paramref name="locked"/>: reliabilities this transaction already holds locked (a batch deciding many tasks), read
    /// and kept current in memory and stored at commit; a worker it does not hold yet is locked and added to it. Without
    /// it the rows are locked, learned and stored here.
    /// </summary>
    public static async Task JudgeAsync(
        this UnitOfWork work, TaskState task, JsonElement? finalLabel, IReadOnlyList<StoredAnnotation> annotations, ConsensusOptions options,
        bool teachModel = false, LockedReliabilities? locked = null)
    {
        var unjudged = work.PublishJudged(task, annotations, finalLabel);
        if (unjudged.Count > 0 && finalLabel is { } final)
        {
            var policy = task.ReadPolicy();
            var kind = ConsensusKinds.Of(policy);
            var answers = unjudged.Select(a => (a.WorkerId, Payload: a.Read()));
            if (teachModel && policy.Prediction is { } prediction)
            {
                answers = answers.Append((ModelVoters.Id(prediction), prediction.Label));
            }

            var lessons = answers
                .SelectMany(a => kind.Lessons(policy, a.Payload, final).Select(lesson => (a.WorkerId, lesson)))
                .ToList();
            if (lessons.Count > 0)
            {
                await work.LearnReliabilityAsync(lessons, options, locked);
            }
        }
    }

    /// <summary>
    /// Marks the annotations not judged yet as judged (stored at commit, <see cref="DecidedRows"/>) and publishes them for
    /// payment, once each; against <paramref name="finalLabel"/>, or against none when the task was cancelled (then none
    /// agrees). Returns them.
    /// </summary>
    internal static IReadOnlyList<StoredAnnotation> PublishJudged(
        this UnitOfWork work, TaskState task, IReadOnlyList<StoredAnnotation> annotations, JsonElement? finalLabel)
    {
        var unjudged = annotations.Where(a => !a.Judged).ToList();
        if (unjudged.Count == 0)
        {
            return unjudged;
        }

        var policy = task.ReadPolicy();
        work.Decided().Judged.AddRange(unjudged.Select(a => a.AnnotationId));
        work.AnnounceJudged(new AnnotationsJudged
        {
            TaskId = task.TaskId,
            BatchId = task.BatchId,
            Annotations = unjudged.Select(a => new JudgedAnnotation
            {
                AnnotationId = a.AnnotationId,
                WorkerId = a.WorkerId,
                RewardCents = a.RewardCents,
                AgreesWithFinal = finalLabel is { } final && ConsensusKinds.Of(policy).Agrees(policy, a.Read(), final),
            }).ToList(),
        });
        return unjudged;
    }

    private static async Task LearnReliabilityAsync(
        this UnitOfWork work, IReadOnlyList<(string WorkerId, ReliabilityLesson Lesson)> lessons, ConsensusOptions options,
        LockedReliabilities? locked)
    {
        var workerIds = lessons.Select(l => l.WorkerId).Distinct(StringComparer.Ordinal).ToList();
        var reliabilities = locked?.Rows ?? new Dictionary<string, StoredReliability>(StringComparer.Ordinal);
        var missing = workerIds.Where(id => !reliabilities.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (workerId, stored) in await work.ReliabilitiesAsync(missing, forUpdate: true))
            {
                reliabilities[workerId] = stored;
            }
        }

        foreach (var suspension in ReliabilityLearning.Learn(reliabilities, lessons, options))
        {
            work.Publish(new WorkerSuspended { WorkerId = suspension.WorkerId, EstimatedAccuracy = suspension.EstimatedAccuracy, Reason = suspension.Reason });
            await work.RequestRevisitsAsync(suspension.WorkerId);
        }

        if (locked is null)
        {
            await work.SaveReliabilitiesAsync(reliabilities); // nothing else in this transaction holds them: stored now
        }
        else
        {
            locked.Changed(workerIds); // stored once for the whole batch, at commit
        }
    }

    /// <summary>
    /// What a unit of work decides task by task and stores at its commit, in one round trip (a consumer's batch decides
    /// many tasks, and two statements for each cost more than the decision): the tasks it finalized and the annotations it
    /// judged. Their rows are already locked (the tasks by the transaction, the annotations under their tasks' locks), and
    /// nothing in a deciding transaction reads them back.
    /// </summary>
    private sealed class DecidedRows
    {
        public List<(Guid TaskId, string Label, string Source)> Finalized { get; } = [];

        public List<Guid> Judged { get; } = [];
    }

    private static DecidedRows Decided(this UnitOfWork work) => work.StoredAtCommit(() => new DecidedRows(), work.StoreDecidedAsync);

    private static Task StoreDecidedAsync(this UnitOfWork work, DecidedRows decided) =>
        work.ExecuteAsync("""
            UPDATE consensus_tasks t SET status = @Finalized, final_label = f.label::jsonb, source = f.source, finalized_at = now()
            FROM unnest(@taskIds, @labels, @sources) AS f(task_id, label, source)
            WHERE t.task_id = f.task_id;
            UPDATE annotations SET judged = true WHERE annotation_id = ANY(@judgedIds);
            """, new
        {
            Finalized,
            taskIds = decided.Finalized.Select(f => f.TaskId).ToArray(),
            labels = decided.Finalized.Select(f => f.Label).ToArray(),
            sources = decided.Finalized.Select(f => f.Source).ToArray(),
            judgedIds = decided.Judged.ToArray(),
        });

    /// <summary>The position of a class in the schema: the engine's class index.</summary>
    public static int IndexOf(IReadOnlyList<string> classes, string label)
    {
        for (var i = 0; i < classes.Count; i++)
        {
            if (classes[i] == label)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Label '{label}' is not one of the schema's classes.");
    }
}
