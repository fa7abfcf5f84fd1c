using System.Text.Json;
using Crowd.Assignment.Api;
using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Audit;
using Dapper;

namespace Crowd.Assignment.Data;

/// <summary>A claimed pool task, or an exam question (<see cref="IsExamQuestion"/>: its batch is the exam, its reward 0).</summary>
public sealed record ClaimedTask(
    Guid ClaimId, Guid TaskId, Guid BatchId, string LabelSchema, string? GuidelinesUrl, string ContentUri, string? Slice, string? Tile,
    long RewardCents, DateTime LeaseExpiresAt, bool IsExamQuestion)
{
    public ClaimView ToView()
    {
        var content = ClaimStore.ReadContent(ContentUri, Slice, Tile);
        return new(
            ClaimId, TaskId, BatchId, JsonDocument.Parse(LabelSchema).RootElement, GuidelinesUrl,
            new ClaimContent(content.ContentUri, content.Slice, content.Tile), RewardCents, LeaseExpiresAt);
    }
}

/// <summary>A claim with what submitting, extending or releasing it needs; <c>BatchCancelled</c>: the requester cancelled its batch.</summary>
public sealed record ClaimRow(
    Guid ClaimId, Guid TaskId, Guid BatchId, string WorkerId, string Status, DateTime LeaseExpiresAt, string LabelSchema, string Policy,
    long RewardCents, string ContentUri, string? Slice, string? Tile, bool BatchCancelled)
{
    public TaskContent Content => ClaimStore.ReadContent(ContentUri, Slice, Tile);
}

public sealed record WorkerStanding(string Status, long OpenClaims);

/// <summary>A claim's answer: the task (or exam question) claimed, or, when none, why (<c>Standing</c>; null without a profile).</summary>
public sealed record ClaimOutcome(ClaimedTask? Task, WorkerStanding? Standing);

public static class ClaimStore
{
    /// <summary>
    /// What makes pool task <c>t</c> one that worker <c>w</c> may take, besides its set and its open slots: the one test
    /// both of the claim statement's scans make (never twice, the item share, hard tasks' strong workers first, never a
    /// task of one's own batch).
    /// </summary>
    private const string MayTake = """
        NOT EXISTS (SELECT 1 FROM claims c WHERE c.worker_id = w.worker_id AND c.task_id = t.task_id OFFSET 0)
                          AND (t.item_share_limit IS NULL
                               OR (SELECT count(*) FROM claims c WHERE c.worker_id = w.worker_id AND c.item_id = t.item_id) < t.item_share_limit)
                          AND (t.strong_only_until IS NULL OR t.strong_only_until <= now() OR w.reliability >= t.strong_floor)
                          AND t.requester_id IS DISTINCT FROM w.worker_id
        """;

    /// <summary>
    /// How many open claims the worker <paramref name="worker"/> (an SQL expression) holds, pool tasks and exam questions
    /// together: a claim whose lease has run out is not open, even before the sweeper marks it. The lease is tested in the
    /// count's FILTER, not its WHERE, so that only the worker's index can serve it: with the lease in the WHERE, a planner
    /// whose statistics had not yet seen the newest leases took the lease index (one row expected) and counted every open
    /// claim of every worker (12 ms a claim at 30,000 open claims). For the same reason no other index of active claims
    /// exists (migration 0014): a lease-only one, costed from statistics that had seen few active claims, was read whole.
    /// </summary>
    private static string OpenClaimsOf(string worker) => $"""
        ((SELECT count(*) FILTER (WHERE c.lease_expires_at > now()) FROM claims c WHERE c.worker_id = {worker} AND c.status = 'active')
         + (SELECT count(*) FILTER (WHERE c.lease_expires_at > now()) FROM exam_claims c WHERE c.worker_id = {worker} AND c.status = 'active'))
        """;

    /// <summary>How many open claims worker <c>@workerId</c> holds (<see cref="OpenClaimsOf"/>).</summary>
    private static readonly string OpenClaims = OpenClaimsOf("@workerId");

    /// <summary>
    /// While the worker has an exam in progress, the claim is its next unanswered question not claimed now (in question
    /// order), and no pool task: the exam's questions come first, and the pool waits until the exam ends. Otherwise the
    /// claim is, in one statement, the best open task this active worker is qualified for, has never held, and may still
    /// be given of its item (the re-identification guard), skipping rows other claimers have locked, its slot taken and the
    /// lease written; only the tasks of qualification sets the worker holds are read. Null when none fits, or when the worker
    /// already holds <paramref name="maxOpenClaims"/> open claims; then the worker's standing says why. Committed, with
    /// the disclosure to <paramref name="worker"/> journaled for the audit trail by the same statement: the claim and its
    /// trace commit together.
    /// </summary>
    public static async Task<ClaimOutcome> ClaimNextAsync(
        this Database database, string workerId, AuditActor worker, TimeSpan lease, int maxOpenClaims)
    {
        await using (var work = await database.BeginAsync())
        {
            if (await work.ClaimFromPoolAsync(workerId, worker, lease, maxOpenClaims) is { } task)
            {
                return new(task, null);
            }
        }

        // No pool task: the worker may have an exam in progress (the pool statement gives such a worker nothing), whose next
        // question is the claim. Looked for only now, so that a claim that gets a task pays for no exam statement (a
        // statement's plan start-up initialises every node before any runs, and start-ups were a fifth of PostgreSQL's time
        // here); a claim that finds nothing pays a second round trip instead. Under the worker's lock again, so that two
        // concurrent claims never take one question twice or more questions than the exam has (the partial unique index on
        // active exam claims says so too); no exam can start meanwhile (starting one takes the same lock). An exam started
        // between the two transactions gives its first question now; one that ended leaves this claim empty. The exam
        // statement's worker test and open-claims count are correlated with the exam's row: they run only for its worker.
        // The worker's standing (why a claim found nothing: no profile, suspended, at the limit) comes in the same command.
        await using var exam = await database.BeginAsync();
        await using var results = await exam.QueryMultipleAndCommitAsync(ExamQuestionSql, Parameters(workerId, worker, lease, maxOpenClaims));
        await results.ReadAsync(); // the lock's one row
        var question = await results.ReadSingleOrDefaultAsync<ClaimedTask>();
        return new(question, await results.ReadSingleOrDefaultAsync<WorkerStanding>());
    }

    /// <summary>
    /// The pool's part of <see cref="ClaimNextAsync"/>, in <paramref name="work"/>, committed in the same round trip: the
    /// task claimed; none for a worker with an exam in progress, whatever the pool holds.
    /// </summary>
    public static async Task<ClaimedTask?> ClaimFromPoolAsync(
        this UnitOfWork work, string workerId, AuditActor worker, TimeSpan lease, int maxOpenClaims)
    {
        // The guard counts the worker's claims on the candidate's item, and in READ COMMITTED two concurrent claims of one
        // worker would each miss the other's uncommitted claim and could together pass the limit. So the command first takes
        // a transaction-scoped advisory lock on the worker: that worker's claims queue behind one another until each commits.
        // Different workers never wait for each other, a worker's claims are rate-limited anyway, and nothing else takes this
        // lock, so waiting for it (before any row lock) cannot close a cycle. It must be a statement of its own, before the
        // claim statement: READ COMMITTED takes a snapshot per statement, so only a statement that starts after the lock is
        // granted sees the claim committed by the previous holder. A per-(worker, item) counter row, upserted by the claim
        // statement with a conditional update, would serialise them too, but a refused upsert would leave the statement
        // with no task even where another item's task fits.
        // Every claim counts, released and expired ones too: the worker has seen that content.
        // Then, under the lock, the pool statement, and the COMMIT. One round trip in all: the claim, its disclosure's audit
        // event (journaled by the pool statement: the act and its trace commit together or not at all) and the commit. As
        // two round trips, the commit and the event written after the claim's answer came back, a claim cost a tenth more
        // (docs/benchmarks.md, "Audit events journaled").
        // The pool statement reads only the tasks of qualification sets the worker holds (held_sets, a few rows), each
        // set from its own part of the claimable index in priority order, so a task the worker is not qualified for is never
        // read and the claim does not slow down as work it cannot do piles up. ranked is each such set's first task the worker
        // may take, best first; candidate then locks, set by set in that order, the first of the set's tasks the worker may
        // take that no other claim has locked, and stops at the first set that has one (the nested loop under LIMIT 1 runs
        // the locking scan of one set unless that set's tasks are all locked; ranked's own ORDER BY is what puts the sort
        // below that loop: without it the planner sorts above it, after locking a task in every set). A worker who holds one
        // set, most of them, has nothing to rank: its set's tasks are read once, by the locking scan (the other branch's
        // one-time filter skips the ranking scan, which read the head of the same set a second time). Both scans test the
        // same conditions, so without a concurrent claim the task is the head of the best set: the best task of all, as one
        // walk of the whole pool in priority order found it. A claim racing others for that head takes the next free task of
        // the same set, where the single walk took the next free task of the pool: SKIP LOCKED never promised more than "a
        // good task nobody is claiming right now", and the claim still locks one row only.
        // A worker already holding maxOpenClaims open claims gets nothing from either statement (the caller says why); the
        // count is exact because it is taken under the worker's lock.
        // A task of a batch the worker requested (the same sub holding both roles) is never offered: nobody labels their own data.
        // A hard task (consensus asked for more than redundancy.min) is offered until strong_only_until only to a worker whose
        // reliability is at or above strong_floor, its batch's median when it turned hard (HardTasks); a worker below it, or
        // not judged yet, passes over it to the next task, and takes it like any other once the time has passed.
        // The never-twice test ends in OFFSET 0 so that it stays a probe of (worker, task) for each task read: left to
        // itself, PostgreSQL turned it into an anti-join that read every claim the worker ever made for each set's head,
        // so a claim cost grew with the worker's history (370 claims: 1,200 buffers and 2 to 8 ms, against 200 and 1 ms).
        await using var results = await work.QueryMultipleAndCommitAsync(ClaimNextSql, Parameters(workerId, worker, lease, maxOpenClaims));
        await results.ReadAsync(); // the lock's one row
        return await results.ReadSingleOrDefaultAsync<ClaimedTask>();
    }

    /// <summary>The parameters of both claim statements: the worker, its lock, the new claim's and audit event's ids, the limits.</summary>
    private static object Parameters(string workerId, AuditActor worker, TimeSpan lease, int maxOpenClaims) => new
    {
        workerLock = WorkerLock(workerId), workerId, claimId = Guid.CreateVersion7(), lease, maxOpenClaims,
        eventId = Guid.CreateVersion7(), actorId = worker.Id, role = worker.Role,
    };

    /// <summary>
    /// The end of a claim statement whose last CTE before it is <c>claimed</c> (one row, or none): the disclosure of the
    /// claimed content journaled for the audit trail (<see cref="AuditJournal"/>), then the claim as the answer.
    /// </summary>
    private static string Disclosed(string subjectType) => $"""
        ), disclosed AS (
            INSERT INTO audit_journal ({AuditJournal.Columns})
            SELECT @eventId, now(), @actorId, @role, 'content.disclosed', '{subjectType}', task_id::text,
                   'claim ' || claim_id || ': ' || content_uri
            FROM claimed
        )
        SELECT * FROM claimed
        """;

    /// <summary>
    /// The claim's two statements, in one command (<see cref="ClaimFromPoolAsync"/> says why each part is there): built
    /// once, not on every claim.
    /// </summary>
    private static readonly string ClaimNextSql = $$"""
        {{LockWorkerSql}};
        WITH worker AS (
            SELECT worker_id, qualifications, reliability FROM workers
            WHERE worker_id = @workerId AND status = 'active'
              AND NOT EXISTS (SELECT 1 FROM exams e WHERE e.worker_id = @workerId AND e.status = 'in-progress')
              AND {{OpenClaims}} < @maxOpenClaims
        ), held_sets AS (
            SELECT s.set_id FROM worker w JOIN qualification_sets s ON s.qualifications <@ w.qualifications
        ), ranked AS (
            SELECT * FROM (
                SELECT s.set_id, NULL::integer AS priority, NULL::timestamptz AS released_at, NULL::uuid AS task_id
                FROM held_sets s
                WHERE (SELECT count(*) FROM held_sets) = 1
                UNION ALL
                SELECT s.set_id, head.priority, head.released_at, head.task_id
                FROM held_sets s, worker w
                CROSS JOIN LATERAL (
                    SELECT t.priority, t.released_at, t.task_id
                    FROM pool_tasks t
                    WHERE t.qualification_set_id = s.set_id AND t.claimable
                      AND {{MayTake}}
                    ORDER BY t.priority DESC, t.released_at, t.task_id
                    LIMIT 1
                ) head
                WHERE (SELECT count(*) FROM held_sets) > 1
            ) heads
            ORDER BY priority DESC, released_at, task_id
        ), candidate AS (
            SELECT free.task_id
            FROM ranked r, worker w
            CROSS JOIN LATERAL (
                SELECT t.task_id
                FROM pool_tasks t
                WHERE t.qualification_set_id = r.set_id AND t.claimable
                  AND {{MayTake}}
                ORDER BY t.priority DESC, t.released_at, t.task_id
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
            ) free
            ORDER BY r.priority DESC, r.released_at, r.task_id
            LIMIT 1
        ), taken AS (
            UPDATE pool_tasks t SET open_slots = t.open_slots - 1
            FROM candidate WHERE t.task_id = candidate.task_id
            RETURNING t.*
        ), claim AS (
            INSERT INTO claims (claim_id, task_id, worker_id, item_id, status, lease_expires_at)
            SELECT @claimId, task_id, @workerId, item_id, 'active', now() + @lease FROM taken
            RETURNING claim_id, task_id, lease_expires_at
        ), claimed AS (
            SELECT claim.claim_id, taken.task_id, taken.batch_id, taken.label_schema::text AS label_schema, taken.guidelines_url,
                   taken.content_uri, taken.slice::text AS slice, taken.tile::text AS tile, taken.reward_cents, claim.lease_expires_at,
                   false AS is_exam_question
            FROM claim JOIN taken USING (task_id)
        {{Disclosed("task")}}
        """;

    /// <summary>
    /// The next question of the worker's exam in progress, claimed under the worker's lock, then the worker's standing
    /// (<see cref="ClaimNextAsync"/>).
    /// </summary>
    private static readonly string ExamQuestionSql = $$"""
        {{LockWorkerSql}};
        WITH question AS (
            SELECT q.question_id, q.exam_id, q.item_id
            FROM exams e JOIN exam_questions q USING (exam_id)
            WHERE e.worker_id = @workerId AND e.status = 'in-progress' AND q.answered_at IS NULL
              AND EXISTS (SELECT 1 FROM workers w WHERE w.worker_id = e.worker_id AND w.status = 'active'
                                                    AND {{OpenClaimsOf("w.worker_id")}} < @maxOpenClaims)
              AND NOT EXISTS (SELECT 1 FROM exam_claims c WHERE c.question_id = q.question_id AND c.status = 'active')
            ORDER BY e.started_at, q.position
            LIMIT 1
            FOR UPDATE OF q SKIP LOCKED
        ), claim AS (
            INSERT INTO exam_claims (claim_id, question_id, worker_id, status, claimed_at, lease_expires_at)
            SELECT @claimId, question_id, @workerId, 'active', now(), now() + @lease FROM question
            RETURNING claim_id, question_id, lease_expires_at
        ), claimed AS (
            SELECT claim.claim_id, question.question_id AS task_id, question.exam_id AS batch_id, d.label_schema::text AS label_schema,
                   NULL::text AS guidelines_url, i.content_uri,
                   CASE WHEN i.slice_count IS NULL THEN NULL ELSE json_build_object('from', 0, 'to', i.slice_count)::text END AS slice,
                   NULL::text AS tile, 0::bigint AS reward_cents, claim.lease_expires_at, true AS is_exam_question
            FROM claim
            JOIN question USING (question_id)
            JOIN exam_items i ON i.item_id = question.item_id
            JOIN exams e ON e.exam_id = question.exam_id
            JOIN qualifications d ON d.name = e.qualification AND d.version = e.version
        {{Disclosed("exam-question")}};
        SELECT status, {{OpenClaims}} AS open_claims FROM workers WHERE worker_id = @workerId
        """;

    /// <summary>Takes the worker's advisory lock until the transaction ends (<see cref="WorkerLock"/>, the parameter <c>@workerLock</c>).</summary>
    private const string LockWorkerSql = "SELECT pg_advisory_xact_lock(hashtextextended(@workerLock, 0))";

    /// <summary>The advisory lock key that makes one worker's claims (and exam starts) take turns.</summary>
    public static string WorkerLock(string workerId) => $"worker:{workerId}";

    /// <summary>Takes the worker's lock until the unit of work ends (see <see cref="ClaimNextAsync"/>).</summary>
    public static Task LockWorkerAsync(this UnitOfWork work, string workerId) =>
        work.ExecuteScalarAsync<object>(LockWorkerSql, new { workerLock = WorkerLock(workerId) });

    /// <summary>A pool task's content reference from its stored columns.</summary>
    public static TaskContent ReadContent(string contentUri, string? slice, string? tile) => new()
    {
        ContentUri = contentUri,
        Slice = slice is null ? null : JsonSerializer.Deserialize<SliceRange>(slice, JsonSerializerOptions.Web),
        Tile = tile is null ? null : JsonSerializer.Deserialize<TileRegion>(tile, JsonSerializerOptions.Web),
    };

    /// <summary>A claim's columns with its task's: what submitting, extending or releasing it needs.</summary>
    private const string ClaimColumns = """
        c.claim_id, c.task_id, t.batch_id, c.worker_id, c.status, c.lease_expires_at, t.label_schema::text AS label_schema,
        t.policy::text AS policy, t.reward_cents, t.content_uri, t.slice::text AS slice, t.tile::text AS tile,
        EXISTS (SELECT 1 FROM cancelled_batches b WHERE b.batch_id = t.batch_id) AS batch_cancelled
        """;

    /// <summary>The caller's claim with what submitting needs; another worker's claim is not found.</summary>
    public static Task<ClaimRow?> FindClaimAsync(this UnitOfWork work, Guid claimId, string workerId, bool forUpdate) =>
        work.QuerySingleOrDefaultAsync<ClaimRow>($"""
            SELECT {ClaimColumns}
            FROM claims c JOIN pool_tasks t USING (task_id)
            WHERE c.claim_id = @claimId AND c.worker_id = @workerId
            {(forUpdate ? "FOR UPDATE OF c" : "")}
            """, new { claimId, workerId });

    /// <summary>
    /// The caller's claim, locked, and the annotation stored on it if the claim was active and leased at
    /// <paramref name="submittedAt"/> (<c>Stored</c>), in one round trip: a submission that the caller then finds unfit for
    /// the task's schema is rolled back with its unit of work. Null when the worker holds no such claim.
    /// </summary>
    public static async Task<(ClaimRow Claim, bool Stored)?> SubmitAsync(
        this UnitOfWork work, Guid claimId, string workerId, Guid annotationId, string payload, DateTimeOffset submittedAt)
    {
        var command = new CommandDefinition($"""
            WITH claim AS (
                SELECT {ClaimColumns}
                FROM claims c JOIN pool_tasks t USING (task_id)
                WHERE c.claim_id = @claimId AND c.worker_id = @workerId
                FOR UPDATE OF c
            ), submitted AS (
                UPDATE claims c SET status = 'submitted', finished_at = @submittedAt
                FROM claim WHERE c.claim_id = claim.claim_id AND claim.status = 'active' AND claim.lease_expires_at > @submittedAt
                RETURNING c.claim_id, c.task_id, c.worker_id
            ), stored AS (
                INSERT INTO annotations (annotation_id, claim_id, task_id, worker_id, payload, submitted_at)
                SELECT @annotationId, claim_id, task_id, worker_id, @payload::jsonb, @submittedAt FROM submitted
                RETURNING annotation_id
            )
            SELECT claim.*, EXISTS (SELECT 1 FROM stored) AS stored FROM claim
            """, new { claimId, workerId, annotationId, payload, submittedAt }, work.Transaction);
        var rows = await work.Connection.QueryAsync<ClaimRow, bool, (ClaimRow Claim, bool Stored)>(
            command, (claim, stored) => (claim, stored), splitOn: "stored");
        return rows.SingleOrDefault() is { Claim: not null } row ? row : null;
    }
}
