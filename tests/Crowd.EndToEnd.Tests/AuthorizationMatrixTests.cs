using System.Net;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Issue 10's authorization matrix, through the gateway: every endpoint of the API, called by every role, on a resource
/// of the caller's own and on another's, answers as docs/api.md says. A role the endpoint does not admit is 403; a
/// resource of someone else is 404 (never revealed), unless the caller is an admin, who may act on any; anything else
/// is admitted (whatever the request then meets: 2xx, 400 for the deliberately malformed bodies of writes that must not
/// change anything here, 409 for a state that does not allow it). Without a token, every endpoint is 401.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class AuthorizationMatrixTests
{
    private static readonly string[] EveryRole = ["requester", "worker", "qa", "admin"];
    private static readonly HttpStatusCode[] Refusals = [HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.NotFound];

    /// <summary>Whose resource a path names: the placeholder an owner-scoped row substitutes with the caller's or another's.</summary>
    public enum Owner { Nobody, Requester, Worker, Examinee }

    /// <summary>One endpoint as API.md states it: who is admitted, and whose resource its path names.</summary>
    public sealed record Row(string Method, string Path, string[] Roles, Owner Owner, object? Body = null)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private static readonly string[] RequesterOrAdmin = ["requester", "admin"];
    private static readonly string[] QaOrAdmin = ["qa", "admin"];
    private static readonly string[] AdminOnly = ["admin"];
    private static readonly string[] WorkerOnly = ["worker"];
    private static readonly string[] RequesterOnly = ["requester"];

    // Writes that an admitted caller must not carry out here have bodies of the wrong shape (400 after authorization).
    public static readonly Row[] Rows =
    [
        new("POST", "/v1/batches", RequesterOrAdmin, Owner.Nobody, new { }),
        new("GET", "/v1/batches", RequesterOrAdmin, Owner.Nobody),
        new("GET", "/v1/batches/{batch}", RequesterOrAdmin, Owner.Requester),
        new("GET", "/v1/batches/{batch}/results", RequesterOrAdmin, Owner.Requester),
        new("GET", "/v1/batches/{batch}/items", RequesterOrAdmin, Owner.Requester),
        new("GET", "/v1/batches/{batch}/agreement", RequesterOrAdmin, Owner.Requester),
        new("POST", "/v1/batches/{spareBatch}/cancel", RequesterOrAdmin, Owner.Requester),
        new("POST", "/v1/requesters/{requester}/deposits", AdminOnly, Owner.Nobody, new { amountCents = "all of it" }),
        new("GET", "/v1/requesters/{requester}/balance", RequesterOrAdmin, Owner.Requester),
        new("POST", "/v1/requesters/{requester}/webhook-secret", RequesterOnly, Owner.Requester),
        new("GET", "/v1/requesters/{requester}/webhook-deliveries", RequesterOrAdmin, Owner.Requester),
        new("PUT", "/v1/workers/{worker}", WorkerOnly, Owner.Worker, new { displayName = "Matrix Worker", timeZone = "UTC" }),
        new("PUT", "/v1/workers/{worker}/qualifications", AdminOnly, Owner.Nobody, new { qualifications = "all" }),
        new("GET", "/v1/workers/{worker}", EveryRole, Owner.Worker),
        new("POST", "/v1/workers/{worker}/claims", WorkerOnly, Owner.Worker),
        new("POST", "/v1/claims/{claim}/extend", WorkerOnly, Owner.Worker),
        new("POST", "/v1/claims/{claim}/release", WorkerOnly, Owner.Worker),
        new("POST", "/v1/claims/{claim}/submission", WorkerOnly, Owner.Worker, new { annotation = new { label = "nodule" } }),
        new("GET", "/v1/workers/{worker}/earnings", EveryRole, Owner.Worker),
        new("PUT", "/v1/qualifications/{exam}", AdminOnly, Owner.Nobody, new { }),
        new("POST", "/v1/workers/{examinee}/exams/{exam}", WorkerOnly, Owner.Examinee),
        new("GET", "/v1/workers/{examinee}/exams/{exam}", EveryRole, Owner.Examinee),
        new("GET", "/v1/disagreements", QaOrAdmin, Owner.Nobody),
        new("POST", "/v1/disagreements/{disagreement}/claim", QaOrAdmin, Owner.Nobody),
        new("POST", "/v1/disagreements/{disagreement}/resolution", QaOrAdmin, Owner.Nobody, new { }),
        new("GET", "/v1/ledger/check", AdminOnly, Owner.Nobody),
        new("POST", "/v1/payouts/runs", AdminOnly, Owner.Nobody, new { minimumCents = "none" }),
        new("GET", "/v1/payouts/runs/{run}", AdminOnly, Owner.Nobody),
        new("GET", "/v1/audit", AdminOnly, Owner.Nobody),
        new("GET", "/v1/audit/verify", AdminOnly, Owner.Nobody),
    ];

    private readonly Dictionary<string, CrowdClient> _callers = new(StringComparer.Ordinal);
    private Dictionary<string, string> _own = null!;
    private Dictionary<string, string> _others = null!;

    /// <summary>
    /// Two of everything that has an owner (requesters with a batch each, workers with a claim each, examinees), the
    /// first of each being the caller of its role; a disagreement; an exam in progress; a payout run.
    /// </summary>
    [OneTimeSetUp]
    public async Task BuildTheWorldAsync()
    {
        var (requester, batch, qualification) = await OpenBatchAsync(items: 3);
        var (otherRequester, otherBatch, otherQualification) = await OpenBatchAsync(items: 3);
        var spare = (await requester.CallAsync(HttpMethod.Post, "/v1/batches", Batch(items: 1, qualification)))!.Value.GetProperty("batchId").GetGuid();
        var worker = await WorkerAsync(qualification);
        var otherWorker = await WorkerAsync(otherQualification);
        var claim = (await ClaimAsync(worker)).GetProperty("claimId").GetString()!;
        var otherClaim = (await ClaimAsync(otherWorker)).GetProperty("claimId").GetString()!;

        var (_, disputed, disputedQualification) = await OpenBatchAsync(items: 1, min: 1, max: 1);
        var annotator = await WorkerAsync(disputedQualification);
        await KindSteps.AnnotateAllAsync(annotator, 1, _ => new { label = "nodule" });
        var qa = As("qa");
        var disagreement = (await KindSteps.OnlyDisagreementAsync(qa, disputed)).GetProperty("disagreementId").GetString()!;

        var exam = await ExamTests.DefineAsync(questionCount: 1, passAccuracy: 1.0);
        var examinee = await WorkerAsync();
        var otherExaminee = await WorkerAsync();
        await examinee.CallAsync(HttpMethod.Post, $"/v1/workers/{examinee.Subject}/exams/{exam}");
        var admin = As("admin");
        var run = (await admin.CallAsync(HttpMethod.Post, "/v1/payouts/runs", new { minimumCents = 1_000_000_000_000 }))!.Value.GetProperty("runId").GetString()!;
        await WaitForBatchAsync(requester, spare, "open");

        _callers["requester"] = requester;
        _callers["worker"] = worker;
        _callers["examinee"] = examinee;
        _callers["qa"] = qa;
        _callers["admin"] = admin;
        var shared = new Dictionary<string, string> { ["disagreement"] = disagreement, ["exam"] = exam, ["run"] = run };
        _own = new(shared)
        {
            ["batch"] = batch.ToString(), ["spareBatch"] = spare.ToString(), ["requester"] = requester.Subject,
            ["worker"] = worker.Subject, ["claim"] = claim, ["examinee"] = examinee.Subject,
        };
        _others = new(shared)
        {
            ["batch"] = otherBatch.ToString(), ["spareBatch"] = otherBatch.ToString(), ["requester"] = otherRequester.Subject,
            ["worker"] = otherWorker.Subject, ["claim"] = otherClaim, ["examinee"] = otherExaminee.Subject,
        };
    }

    [TestCaseSource(nameof(Rows))]
    public async Task Endpoint_AnswersEveryRoleOnItsOwnAndAnothersResourceAsApiMdSays(Row row)
    {
        var answers = new List<string>();
        var wrong = new List<string>();
        foreach (var role in EveryRole)
        {
            // The owner's role calls on another's resource, then on its own; every other role on the first set's
            // resources, which exist and are not theirs (an admin's, for an admin, is anyone's).
            var owns = IsOwnerRole(row.Owner, role);
            foreach (var ownResource in owns ? new[] { false, true } : [false])
            {
                var caller = role == "worker" && row.Owner == Owner.Examinee ? _callers["examinee"] : _callers[role];
                var path = Fill(row.Path, owns && !ownResource ? _others : _own);
                using var response = await caller.SendAsync(new HttpMethod(row.Method), path, row.Body);
                var expected = Expected(row, role, ownResource);
                var answer = $"{role} on {(ownResource ? "its own" : "another's")} resource: {(int)response.StatusCode}";
                answers.Add(answer);
                if (expected is { } status ? response.StatusCode != status : Refusals.Contains(response.StatusCode))
                {
                    wrong.Add($"{answer}, expected {(expected is { } s ? (int)s : "admitted")}");
                }
            }
        }

        using var anonymous = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(row.Method), Fill(row.Path, _own)));
        if (anonymous.StatusCode != HttpStatusCode.Unauthorized)
        {
            wrong.Add($"no token: {(int)anonymous.StatusCode}, expected 401");
        }

        Assert.That(wrong, Is.Empty, string.Join("; ", answers));
    }

    /// <summary>API.md's rule: a role not admitted is 403; another's resource is 404 but for an admin; else admitted (null).</summary>
    private static HttpStatusCode? Expected(Row row, string role, bool ownResource) =>
        !row.Roles.Contains(role) ? HttpStatusCode.Forbidden
        : row.Owner != Owner.Nobody && role != "admin" && !ownResource ? HttpStatusCode.NotFound
        : null;

    private static bool IsOwnerRole(Owner owner, string role) => owner switch
    {
        Owner.Requester => role == "requester",
        Owner.Worker or Owner.Examinee => role == "worker",
        _ => false,
    };

    private static string Fill(string path, IReadOnlyDictionary<string, string> values) =>
        values.Aggregate(path, (filled, value) => filled.Replace($"{{{value.Key}}}", value.Value, StringComparison.Ordinal));
}
