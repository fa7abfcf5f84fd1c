using System.Text.Json;
using Crowd.Assignment.Domain;
using Crowd.Data;
using Dapper;

namespace Crowd.Assignment.Data;

/// <summary>The current version of a qualification's exam: what starting an attempt needs.</summary>
public sealed record ExamDefinitionRow(string Name, int Version, int QuestionCount, double PassAccuracy, int RetakeAfterHours, Guid[] ItemIds);

/// <summary>An exam question's claim with what submitting it needs: the schema, the item's series length and its truth.</summary>
public sealed record ExamClaimRow(
    Guid ClaimId, Guid QuestionId, Guid ExamId, string WorkerId, string Status, DateTime LeaseExpiresAt, string LabelSchema,
    int? SliceCount, string Truth);

/// <summary>Where an attempt stands after an answer: how many questions are answered and right, and its pass rules.</summary>
public sealed record ExamProgress(
    string WorkerId, string Qualification, int QuestionCount, int Answered, int Correct, double PassAccuracy, int RetakeAfterHours);

public static class ExamStore
{
    /// <summary>Stores <paramref name="exam"/> as the qualification's next version, with its items; returns the version.</summary>
    public static async Task<int> DefineAsync(this UnitOfWork work, QualificationExam exam, DateTimeOffset definedAt)
    {
        // Two PUTs of one name take turns, so each gets its own version number.
        const string sql = """
            SELECT pg_advisory_xact_lock(hashtextextended('qualification:' || @Name, 0));
            WITH defined AS (
                INSERT INTO qualifications (name, version, label_schema, question_count, pass_accuracy, retake_after_hours, defined_at)
                SELECT @Name, coalesce(max(version), 0) + 1, @labelSchema::jsonb, @QuestionCount, @PassAccuracy, @RetakeAfterHours, @definedAt
                FROM qualifications WHERE name = @Name
                RETURNING name, version
            ), items AS (
                INSERT INTO exam_items (item_id, qualification, version, external_id, content_uri, slice_count, width, height, truth)
                SELECT i.item_id, d.name, d.version, i.external_id, i.content_uri, i.slice_count, i.width, i.height, i.truth::jsonb
                FROM defined d,
                     unnest(@itemIds, @externalIds, @contentUris, @sliceCounts, @widths, @heights, @truths)
                     AS i(item_id, external_id, content_uri, slice_count, width, height, truth)
            )
            SELECT version FROM defined
            """;
        var items = exam.Items;
        var command = new
        {
            exam.Name,
            labelSchema = exam.LabelSchema.GetRawText(),
            exam.QuestionCount,
            exam.PassAccuracy,
            exam.RetakeAfterHours,
            definedAt,
            itemIds = items.Select(_ => Guid.CreateVersion7()).ToArray(),
            externalIds = items.Select(i => i.ExternalId).ToArray(),
            contentUris = items.Select(i => i.ContentUri).ToArray(),
            sliceCounts = items.Select(i => i.SliceCount).ToArray(),
            widths = items.Select(i => i.Width).ToArray(),
            heights = items.Select(i => i.Height).ToArray(),
            truths = items.Select(i => i.Truth.GetRawText()).ToArray(),
        };
        await using var results = await work.Connection.QueryMultipleAsync(new CommandDefinition(sql, command, work.Transaction));
        await results.ReadAsync(); // the lock's one row
        return await results.ReadSingleAsync<int>();
    }

    /// <summary>The qualification's current version with its items' ids (in a stable order), or null when it was never defined.</summary>
    public static async Task<ExamDefinitionRow?> FindDefinitionAsync(this UnitOfWork work, string name)
    {
        var definition = await work.QuerySingleOrDefaultAsync<DefinitionRow>("""
            SELECT name, version, question_count, pass_accuracy, retake_after_hours
            FROM qualifications WHERE name = @name
            ORDER BY version DESC LIMIT 1
            """, new { name });
        if (definition is not { } d)
        {
            return null;
        }

        var itemIds = await work.QueryAsync<Guid>(
            "SELECT item_id FROM exam_items WHERE qualification = @Name AND version = @Version ORDER BY item_id", new { d.Name, d.Version });
        return new ExamDefinitionRow(d.Name, d.Version, d.QuestionCount, d.PassAccuracy, d.RetakeAfterHours, itemIds.ToArray());
    }

    /// <summary>The qualifications the worker holds, or null when they have no profile.</summary>
    public static Task<string[]?> FindQualificationsAsync(this UnitOfWork work, string workerId) =>
        work.QuerySingleOrDefaultAsync<string[]>("SELECT qualifications FROM workers WHERE worker_id = @workerId", new { workerId });

    /// <summary>The worker's latest attempt at the qualification's exam, or null when they never took it.</summary>
    public static async Task<ExamAttempt?> FindLatestAttemptAsync(this UnitOfWork work, string workerId, string name)
    {
        var row = await work.QuerySingleOrDefaultAsync<AttemptRow>("""
            SELECT exam_id, status, started_at, finished_at, accuracy, retake_at
            FROM exams WHERE worker_id = @workerId AND qualification = @name
            ORDER BY started_at DESC, exam_id DESC LIMIT 1
            """, new { workerId, name });
        return row is { } e ? new ExamAttempt(e.ExamId, e.Status, Utc(e.StartedAt), Utc(e.FinishedAt), e.Accuracy, Utc(e.RetakeAt)) : null;
    }

    /// <summary>Starts an attempt of the definition's version with the picked items as its questions, in order.</summary>
    public static Task StartAsync(
        this UnitOfWork work, Guid examId, string workerId, ExamDefinitionRow definition, IReadOnlyList<Guid> itemIds, DateTimeOffset startedAt) =>
        work.ExecuteAsync("""
            INSERT INTO exams (exam_id, worker_id, qualification, version, status, started_at)
            VALUES (@examId, @workerId, @Name, @Version, 'in-progress', @startedAt);
            INSERT INTO exam_questions (question_id, exam_id, item_id, position)
            SELECT q.question_id, @examId, q.item_id, q.position
            FROM unnest(@questionIds, @itemIds) WITH ORDINALITY AS q(question_id, item_id, position)
            """, new
        {
            examId, workerId, definition.Name, definition.Version, startedAt,
            questionIds = itemIds.Select(_ => Guid.CreateVersion7()).ToArray(),
            itemIds = itemIds.ToArray(),
        });

    /// <summary>The caller's exam claim; another worker's is not found.</summary>
    public static Task<ExamClaimRow?> FindExamClaimAsync(this UnitOfWork work, Guid claimId, string workerId, bool forUpdate) =>
        work.QuerySingleOrDefaultAsync<ExamClaimRow>($"""
            SELECT c.claim_id, c.question_id, q.exam_id, c.worker_id, c.status, c.lease_expires_at, d.label_schema::text AS label_schema,
                   i.slice_count, i.truth::text AS truth
            FROM exam_claims c
            JOIN exam_questions q USING (question_id)
            JOIN exam_items i ON i.item_id = q.item_id
            JOIN exams e ON e.exam_id = q.exam_id
            JOIN qualifications d ON d.name = e.qualification AND d.version = e.version
            WHERE c.claim_id = @claimId AND c.worker_id = @workerId
            {(forUpdate ? "FOR UPDATE OF c" : "")}
            """, new { claimId, workerId });

    /// <summary>
    /// Records the answer and the claim's end, then counts the attempt's answers. The attempt's row is locked first, so
    /// that of two answers committing side by side the later one counts the earlier and finishes the attempt.
    /// </summary>
    public static async Task<ExamProgress> AnswerAsync(
        this UnitOfWork work, ExamClaimRow claim, JsonElement answer, bool correct, DateTimeOffset answeredAt)
    {
        const string sql = """
            SELECT 1 FROM exams WHERE exam_id = @ExamId FOR UPDATE;
            UPDATE exam_claims SET status = 'submitted', finished_at = @answeredAt WHERE claim_id = @ClaimId;
            UPDATE exam_questions SET answer = @answer::jsonb, correct = @correct, answered_at = @answeredAt
            WHERE question_id = @QuestionId AND answered_at IS NULL;
            """;
        await work.ExecuteAsync(sql, new { claim.ExamId, claim.ClaimId, claim.QuestionId, answer = answer.GetRawText(), correct, answeredAt });
        return await work.QuerySingleAsync<ExamProgress>("""
            SELECT e.worker_id, e.qualification, d.question_count,
                   (SELECT count(*)::int FROM exam_questions q WHERE q.exam_id = e.exam_id AND q.answered_at IS NOT NULL) AS answered,
                   (SELECT count(*)::int FROM exam_questions q WHERE q.exam_id = e.exam_id AND q.correct) AS correct,
                   d.pass_accuracy, d.retake_after_hours
            FROM exams e JOIN qualifications d ON d.name = e.qualification AND d.version = e.version
            WHERE e.exam_id = @ExamId
            """, new { claim.ExamId });
    }

    /// <summary>Ends the attempt; a pass adds the qualification to the worker (once).</summary>
    public static Task FinishAsync(this UnitOfWork work, Guid examId, string workerId, string qualification, ExamResult result) =>
        work.ExecuteAsync("""
            UPDATE exams SET status = @Status, accuracy = @Accuracy, finished_at = @FinishedAt, retake_at = @RetakeAt
            WHERE exam_id = @examId AND status = 'in-progress';
            UPDATE workers SET qualifications = array_append(qualifications, @qualification), updated_at = now()
            WHERE worker_id = @workerId AND @passed AND NOT (@qualification = ANY (qualifications));
            """, new { examId, workerId, qualification, result.Status, result.Accuracy, result.FinishedAt, result.RetakeAt, passed = result.Passed });

    /// <summary>The worker gives the question back: it is theirs to claim again.</summary>
    public static Task ReleaseExamClaimAsync(this UnitOfWork work, Guid claimId) =>
        work.ExecuteAsync("UPDATE exam_claims SET status = 'released', finished_at = now() WHERE claim_id = @claimId", new { claimId });

    public static Task<DateTime> ExtendExamClaimAsync(this UnitOfWork work, Guid claimId, TimeSpan duration, TimeSpan maxTotal) =>
        work.QuerySingleAsync<DateTime>("""
            UPDATE exam_claims SET lease_expires_at = least(now() + @duration, claimed_at + @maxTotal)
            WHERE claim_id = @claimId
            RETURNING lease_expires_at
            """, new { claimId, duration, maxTotal });

    /// <summary>Expires the exam claims whose lease ran out: their questions go back to their workers.</summary>
    public static Task<int> ExpireExamClaimsAsync(this UnitOfWork work) =>
        work.ExecuteAsync("UPDATE exam_claims SET status = 'expired', finished_at = now() WHERE status = 'active' AND lease_expires_at <= now()");

    private sealed record DefinitionRow(string Name, int Version, int QuestionCount, double PassAccuracy, int RetakeAfterHours);

    private sealed record AttemptRow(Guid ExamId, string Status, DateTime StartedAt, DateTime? FinishedAt, double? Accuracy, DateTime? RetakeAt);

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? at) => at is { } value ? Utc(value) : null;
}
