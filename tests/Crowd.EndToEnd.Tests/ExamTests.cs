using System.Net;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Qualification exams (API.md "Qualification exams"), through the gateway: an admin defines one, a worker takes it through
/// the normal claim endpoints, unpaid and unseen by requesters, and gains the qualification by passing.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ExamTests
{
    private const int Items = 6;

    [Test]
    public async Task Exam_Passed_GrantsTheQualificationAndItsBatches()
    {
        var qualification = await DefineAsync(questionCount: 3, passAccuracy: 0.6);
        var worker = await WorkerAsync();
        var examId = await StartAsync(worker, qualification);
        var status = await worker.GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("in-progress"));
        Assert.That(status.GetProperty("accuracy").ValueKind, Is.EqualTo(JsonValueKind.Null));

        // One wrong answer of three: 2/3 ≥ 0.6.
        var questions = await AnswerAllAsync(worker, 3, (i, truth) => i == 0 ? Other(truth) : truth);
        Assert.That(questions.Select(q => q.GetProperty("batchId").GetGuid()), Has.All.EqualTo(examId));
        Assert.That(questions.Select(q => q.GetProperty("rewardCents").GetInt64()), Has.All.Zero);
        Assert.That(questions.Select(q => q.GetProperty("guidelinesUrl").ValueKind), Has.All.EqualTo(JsonValueKind.Null));
        Assert.That(questions.Select(q => q.GetProperty("labelSchema").GetProperty("kind").GetString()), Has.All.EqualTo("classification"));

        status = await worker.GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("passed"));
        Assert.That(status.GetProperty("accuracy").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-9));
        Assert.That(status.GetProperty("retakeAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var profile = await worker.GetAsync($"/v1/workers/{worker.Subject}");
        Assert.That(profile.GetProperty("qualifications").EnumerateArray().Select(q => q.GetString()), Does.Contain(qualification));

        // The exam is over, so the pool serves the worker again: a batch that needs the qualification.
        var (_, batchId, _) = await OpenBatchAsync(items: 1, change: b => b["requiredQualifications"] = new[] { qualification });
        Assert.That((await ClaimAsync(worker)).GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));

        using var again = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(again)).GetProperty("detail").GetString(), Does.Contain("already holds"));

        var granted = await AuditTests.EventsAsync($"subjectId={worker.Subject}", events => events.Any(e => e.Action == "qualification.granted"));
        Assert.That(granted.Single(e => e.Action == "qualification.granted").ActorId, Is.EqualTo(worker.Subject));
    }

    [Test]
    public async Task Exam_Failed_NoQualificationAndRetakeIs409UntilRetakeAt()
    {
        var qualification = await DefineAsync(questionCount: 2, passAccuracy: 1.0, retakeAfterHours: 24);
        var worker = await WorkerAsync();
        await StartAsync(worker, qualification);
        await AnswerAllAsync(worker, 2, (i, truth) => i == 0 ? truth : Other(truth));

        var status = await worker.GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(status.GetProperty("status").GetString(), Is.EqualTo("failed"));
        Assert.That(status.GetProperty("accuracy").GetDouble(), Is.EqualTo(0.5));
        var retakeAt = status.GetProperty("retakeAt").GetDateTimeOffset();
        Assert.That(retakeAt, Is.EqualTo(DateTimeOffset.UtcNow.AddHours(24)).Within(TimeSpan.FromMinutes(5)));

        using var retake = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(retake.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(retake)).GetProperty("detail").GetString(), Does.Contain(retakeAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)));
        var profile = await worker.GetAsync($"/v1/workers/{worker.Subject}");
        Assert.That(profile.GetProperty("qualifications").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Exam_Answers_AreUnpaidAndInvisibleToConsensusAndRequesters()
    {
        var qualification = await DefineAsync(questionCount: 2, passAccuracy: 0.5);
        var worker = await WorkerAsync();
        var examId = await StartAsync(worker, qualification);
        await AnswerAllAsync(worker, 2, (_, truth) => truth);

        // A batch of the worker's, claimed and answered after the exam, is what shows that messages reached consensus and
        // payouts; the exam's answers, committed before it, must be nowhere there.
        var (requester, batchId, _) = await OpenBatchAsync(items: 1, change: b => b["requiredQualifications"] = new[] { qualification });
        var claim = await ClaimAsync(worker);
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{claim.GetProperty("claimId")}/submission", new { annotation = new { label = "nodule" } },
            expected: HttpStatusCode.Accepted);
        var earnings = await Eventually.WaitForAsync(
            () => worker.GetAsync($"/v1/workers/{worker.Subject}/earnings"),
            e => e.GetProperty("pendingCents").GetInt64() + e.GetProperty("payableCents").GetInt64() > 0, KindSteps.Arrival, "the batch annotation's earning");
        await Eventually.WaitForAsync(
            () => ScalarAsync("Consensus", $"SELECT count(*) FROM annotations WHERE worker_id = '{worker.Subject}'"), n => n > 0, KindSteps.Arrival, "consensus to see the batch annotation");

        // Only the batch's one annotation, at the batch's price: the exam's two answers earned nothing and reached nobody.
        Assert.That(earnings.GetProperty("pendingCents").GetInt64() + earnings.GetProperty("payableCents").GetInt64(), Is.EqualTo(40));
        Assert.That(earnings.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("batchId").GetGuid()), Has.All.EqualTo(batchId));
        Assert.That(await ScalarAsync("Consensus", $"SELECT count(*) FROM annotations WHERE worker_id = '{worker.Subject}'"), Is.EqualTo(1));
        Assert.That(await ScalarAsync("Consensus", $"SELECT count(*) FROM consensus_tasks WHERE batch_id = '{examId}'"), Is.Zero);
        Assert.That(await StatusAsync(requester.SendAsync(HttpMethod.Get, $"/v1/batches/{examId}")), Is.EqualTo(HttpStatusCode.NotFound));
        var batches = await requester.GetAsync("/v1/batches");
        Assert.That(batches.GetRawText(), Does.Not.Contain(examId.ToString()));
    }

    [Test]
    public async Task Claim_DuringAnExam_ServesTheQuestionsBeforeThePool()
    {
        var (_, batchId, poolQualification) = await OpenBatchAsync(items: 1, min: 2);
        var qualification = await DefineAsync(questionCount: 2, passAccuracy: 0.5);
        var worker = await WorkerAsync(poolQualification);
        await ClaimAsync(await WorkerAsync(poolQualification)); // the batch's task is in the pool, one slot of two left
        var examId = await StartAsync(worker, qualification);

        var questions = await AnswerAllAsync(worker, 2, (_, truth) => truth);
        Assert.That(questions.Select(q => q.GetProperty("batchId").GetGuid()), Has.All.EqualTo(examId));
        Assert.That((await ClaimAsync(worker)).GetProperty("batchId").GetGuid(), Is.EqualTo(batchId));
    }

    [Test]
    public async Task Claim_TenConcurrentDuringAnExam_HandsOutEachQuestionOnce()
    {
        var qualification = await DefineAsync(questionCount: 3, passAccuracy: 0.6);
        var worker = await WorkerAsync();
        var examId = await StartAsync(worker, qualification);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")));
        var created = new List<JsonElement>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.NoContent));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    created.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
                }
            }
        }

        Assert.That(created, Has.Count.EqualTo(3));
        Assert.That(created.Select(c => c.GetProperty("taskId").GetGuid()), Is.Unique);
        Assert.That(created.Select(c => c.GetProperty("batchId").GetGuid()), Has.All.EqualTo(examId));

        // A released question is the worker's again, and only it.
        var released = created[0];
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{released.GetProperty("claimId")}/release", expected: HttpStatusCode.NoContent);
        var again = await ClaimAsync(worker);
        Assert.That(again.GetProperty("taskId").GetGuid(), Is.EqualTo(released.GetProperty("taskId").GetGuid()));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Claim_DuringAnExam_BeyondFiveOpenQuestions_Is409ClaimLimit()
    {
        var qualification = await DefineAsync(questionCount: Items, passAccuracy: 0.5);
        var worker = await WorkerAsync();
        var examId = await StartAsync(worker, qualification);
        for (var i = 0; i < 5; i++)
        {
            Assert.That((await ClaimAsync(worker)).GetProperty("batchId").GetGuid(), Is.EqualTo(examId));
        }

        using var refused = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a sixth question while five are open");
        Assert.That((await ProblemAsync(refused)).GetProperty("state").GetString(), Is.EqualTo("claim-limit"));
    }

    [Test]
    public async Task Claim_ExamQuestionWhoseLeaseExpired_ComesBackToTheWorker()
    {
        var qualification = await DefineAsync(questionCount: 1, passAccuracy: 1.0);
        var worker = await WorkerAsync();
        await StartAsync(worker, qualification);
        var first = (await worker.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims", expected: HttpStatusCode.Created))!.Value;
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims")), Is.EqualTo(HttpStatusCode.NoContent),
            "the only question is leased");

        var again = await ClaimAsync(worker); // once the sweeper has expired the lease
        Assert.That(again.GetProperty("taskId").GetGuid(), Is.EqualTo(first.GetProperty("taskId").GetGuid()));
        using var late = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{first.GetProperty("claimId")}/submission", new { annotation = new { label = "nodule" } });
        Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await ProblemAsync(late)).GetProperty("state").GetString(), Is.EqualTo("expired"));

        var truth = again.GetProperty("content").GetProperty("contentUri").GetString()!.Split('/')[^1];
        await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{again.GetProperty("claimId")}/submission", new { annotation = new { label = truth } },
            expected: HttpStatusCode.Accepted);
        Assert.That((await worker.GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}")).GetProperty("status").GetString(), Is.EqualTo("passed"));
    }

    [Test]
    public async Task Exam_RedefinedWhileInProgress_KeepsItsQuestions()
    {
        var qualification = await DefineAsync(questionCount: 2, passAccuracy: 1.0);
        var worker = await WorkerAsync();
        await StartAsync(worker, qualification);
        await As("admin").CallAsync(HttpMethod.Put, $"/v1/qualifications/{qualification}", Definition(2, 1.0, 24, uriPrefix: "dicomweb://pacs.test/exam-v2"));

        var questions = await AnswerAllAsync(worker, 2, (_, truth) => truth);
        Assert.That(questions.Select(q => q.GetProperty("content").GetProperty("contentUri").GetString()), Has.All.StartsWith("dicomweb://pacs.test/exam/"));
        Assert.That((await worker.GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}")).GetProperty("status").GetString(), Is.EqualTo("passed"));
    }

    [Test]
    public async Task Define_InvalidShapes_Are400NamingTheField()
    {
        var admin = As("admin");
        await Refused(admin, Definition(3, 0.9, 24, change: d => d.Remove("questionCount")), HttpStatusCode.BadRequest, "questionCount");
        await Refused(admin, Definition(3, 1.5, 24), HttpStatusCode.BadRequest, "passAccuracy");
        await Refused(admin, Definition(3, 0.9, 24, change: d => d["labelSchema"] = new { kind = "polygon", classes = new[] { "a" } }), HttpStatusCode.BadRequest, "labelSchema.kind");
        await Refused(admin, Definition(3, 0.9, 24, change: d => d["labelSchema"] = new { kind = "classification", classes = Array.Empty<string>() }), HttpStatusCode.BadRequest, "labelSchema.classes");
        await Refused(admin, Definition(1, 0.9, 24, change: d => d["items"] = new[] { new { externalId = "x", contentUri = "dicomweb://pacs.test/1", truth = new { label = "fracture" } } }),
            HttpStatusCode.BadRequest, "items[0].truth.label");
        await Refused(admin, Definition(1, 0.9, 24, change: d => d["items"] = new[] { new { externalId = "x", contentUri = "not a uri", truth = new { label = "nodule" } } }),
            HttpStatusCode.BadRequest, "items[0].contentUri");
    }

    [Test]
    public async Task Define_WellFormedButRefused_Is422NamingTheField()
    {
        var admin = As("admin");
        await Refused(admin, Definition(Items + 1, 0.9, 24), HttpStatusCode.UnprocessableEntity, "items");
        var box = new { label = "nodule", x = 1, y = 1, w = 5, h = 5, slice = 40 };
        await Refused(admin, Definition(1, 0.9, 24, change: d =>
        {
            d["labelSchema"] = new { kind = "bbox", classes = new[] { "nodule" } };
            d["items"] = new[] { new { externalId = "series", contentUri = "dicomweb://pacs.test/series", sliceCount = (int?)30, truth = (object)new { boxes = new[] { box } } } };
        }), HttpStatusCode.UnprocessableEntity, "items[0].truth.boxes[0].slice");
    }

    [Test]
    public async Task Roles_WorkerCannotDefineAndOthersCannotReadAnExam()
    {
        var worker = await WorkerAsync();
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Put, $"/v1/qualifications/q-{Guid.NewGuid():N}"[..24], Definition(1, 0.5, 24))),
            Is.EqualTo(HttpStatusCode.Forbidden));

        var qualification = await DefineAsync(questionCount: 1, passAccuracy: 0.5);
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Get, $"/v1/workers/{worker.Subject}/exams/{qualification}")), Is.EqualTo(HttpStatusCode.NotFound));
        await StartAsync(worker, qualification);

        var other = await WorkerAsync();
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Get, $"/v1/workers/{worker.Subject}/exams/{qualification}")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StatusAsync(other.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/{qualification}")), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await As("admin").GetAsync($"/v1/workers/{worker.Subject}/exams/{qualification}")).GetProperty("status").GetString(), Is.EqualTo("in-progress"));

        using var twice = await worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/{qualification}");
        Assert.That(twice.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/never-defined-{Guid.NewGuid():N}")), Is.EqualTo(HttpStatusCode.NotFound));
    }

    /// <summary>Item i's truth is in its content URI (nodule for even i), so a test can answer right or wrong on purpose.</summary>
    private static Dictionary<string, object?> Definition(
        int questionCount, double passAccuracy, int retakeAfterHours, string uriPrefix = "dicomweb://pacs.test/exam", Action<Dictionary<string, object?>>? change = null)
    {
        var definition = new Dictionary<string, object?>
        {
            ["labelSchema"] = new { kind = "classification", classes = new[] { "nodule", "no-nodule" } },
            ["questionCount"] = questionCount,
            ["passAccuracy"] = passAccuracy,
            ["retakeAfterHours"] = retakeAfterHours,
            ["items"] = Enumerable.Range(0, Items).Select(i => Truth(i) is var truth
                ? new { externalId = $"gold-{i}", contentUri = $"{uriPrefix}/{i}/{truth}", truth = new { label = truth } }
                : null).ToArray(),
        };
        change?.Invoke(definition);
        return definition;
    }

    private static string Truth(int i) => i % 2 == 0 ? "nodule" : "no-nodule";

    private static string Other(string label) => label == "nodule" ? "no-nodule" : "nodule";

    internal static async Task<string> DefineAsync(int questionCount, double passAccuracy, int retakeAfterHours = 24)
    {
        var qualification = $"exam-{Guid.NewGuid():N}"[..17];
        var defined = await As("admin").CallAsync(HttpMethod.Put, $"/v1/qualifications/{qualification}", Definition(questionCount, passAccuracy, retakeAfterHours));
        Assert.That(defined!.Value.GetProperty("version").GetInt32(), Is.EqualTo(1));
        return qualification;
    }

    private static async Task<Guid> StartAsync(CrowdClient worker, string qualification) =>
        (await worker.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/exams/{qualification}", expected: HttpStatusCode.Created))!.Value
            .GetProperty("examId").GetGuid();

    /// <summary>Claims and answers <paramref name="count"/> questions, the answer given the question's index and its truth.</summary>
    private static async Task<List<JsonElement>> AnswerAllAsync(CrowdClient worker, int count, Func<int, string, string> answer)
    {
        var questions = new List<JsonElement>();
        for (var i = 0; i < count; i++)
        {
            var question = (await worker.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Subject}/claims", expected: HttpStatusCode.Created))!.Value;
            var truth = question.GetProperty("content").GetProperty("contentUri").GetString()!.Split('/')[^1];
            await worker.CallAsync(HttpMethod.Post, $"/v1/claims/{question.GetProperty("claimId")}/submission",
                new { annotation = new { label = answer(i, truth) } }, expected: HttpStatusCode.Accepted);
            questions.Add(question);
        }

        return questions;
    }

    private static async Task Refused(CrowdClient admin, object definition, HttpStatusCode status, string field)
    {
        using var response = await admin.SendAsync(HttpMethod.Put, $"/v1/qualifications/exam-{Guid.NewGuid():N}"[..35], definition);
        Assert.That(response.StatusCode, Is.EqualTo(status), field);
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
    }
}
