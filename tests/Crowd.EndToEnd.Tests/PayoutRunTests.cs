using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crowd.Cli.Simulation;
using Crowd.Testing;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Payout runs move workers' payable balances out of the platform, once. A run pays every worker of the deployment,
/// so each test that needs money to move earns it in a marketplace of its own and looks only at its own workers.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class PayoutRunTests
{
    private const string Runs = "/v1/payouts/runs";

    [Test]
    public async Task Run_WorkerWithPayableBalance_PaysTheWholeBalanceAndEarningsShowItPaid()
    {
        var workerId = (await PaidWorkersAsync())[0];
        var payable = (await EarningsAsync(workerId)).PayableCents;

        var run = await RunAsync(minimumCents: 1);
        var after = await EarningsAsync(workerId);

        Assert.That(payable, Is.GreaterThan(0));
        Assert.That(LinesOf(run)[workerId], Is.EqualTo(payable));
        Assert.That(run.GetProperty("totalCents").GetInt64(), Is.EqualTo(LinesOf(run).Values.Sum()));
        Assert.That(after.PayableCents, Is.Zero);
        Assert.That(after.PaidCents, Is.EqualTo(payable));
        await AssertLedgerBalancedAsync();

        // The money that left is traced to the admin who ran the payout.
        var cause = $"payout:{run.GetProperty("runId").GetGuid()}:{workerId}:";
        await Eventually.WaitForAsync(
            () => Admin.GetAsync($"/v1/audit?actorId={Admin.Subject}&limit=1000"),
            page => page.GetProperty("items").EnumerateArray().Any(e =>
                e.GetProperty("action").GetString() == "money.payout" && e.GetProperty("role").GetString() == "admin"
                && e.GetProperty("detail").GetString()!.StartsWith(cause, StringComparison.Ordinal)
                && e.GetProperty("detail").GetString()!.Contains($"worker:{workerId}:payable -{payable}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the payout's audit event");
    }

    [Test]
    public async Task Run_SecondTime_PaysNothingMoreToAWorkerAlreadyPaid()
    {
        var workerId = (await PaidWorkersAsync())[0];
        var first = await RunAsync(minimumCents: 1);

        var second = await RunAsync(minimumCents: 1);
        var earnings = await EarningsAsync(workerId);

        Assert.That(LinesOf(second), Does.Not.ContainKey(workerId));
        Assert.That(second.GetProperty("runId").GetGuid(), Is.Not.EqualTo(first.GetProperty("runId").GetGuid()));
        Assert.That(earnings.PaidCents, Is.EqualTo(LinesOf(first)[workerId]));
        await AssertLedgerBalancedAsync();
    }

    [Test]
    public async Task Run_SameIdempotencyKeyTwice_ReturnsTheFirstRunAndMovesNothing()
    {
        var workerId = (await PaidWorkersAsync())[0];
        var key = $"run-{Guid.NewGuid():N}";
        using var first = await Admin.SendAsync(HttpMethod.Post, Runs, new { minimumCents = 1 }, idempotencyKey: key);
        var paid = (await EarningsAsync(workerId)).PaidCents;

        using var second = await Admin.SendAsync(HttpMethod.Post, Runs, new { minimumCents = 1 }, idempotencyKey: key);
        var firstText = await first.Content.ReadAsStringAsync();
        var secondText = await second.Content.ReadAsStringAsync();
        var (firstRun, secondRun) = (JsonDocument.Parse(firstText).RootElement, JsonDocument.Parse(secondText).RootElement);
        var earnings = await EarningsAsync(workerId);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(secondText, Is.EqualTo(firstText));
        Assert.That(secondRun.GetProperty("runId").GetGuid(), Is.EqualTo(firstRun.GetProperty("runId").GetGuid()));
        Assert.That(LinesOf(secondRun), Is.EquivalentTo(LinesOf(firstRun)));
        Assert.That(LinesOf(firstRun)[workerId], Is.EqualTo(paid));
        Assert.That(earnings.PaidCents, Is.EqualTo(paid));
        Assert.That(await PayoutCountAsync($"idempotency_key LIKE 'payout:%:{workerId}'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Run_MinimumAboveAWorkersBalance_LeavesThatWorkerOut()
    {
        var workerId = (await PaidWorkersAsync())[0];
        var before = await EarningsAsync(workerId);

        var run = await RunAsync(minimumCents: before.PayableCents + 1);
        var after = await EarningsAsync(workerId);

        Assert.That(LinesOf(run), Does.Not.ContainKey(workerId));
        Assert.That(LinesOf(run).Values, Has.All.GreaterThan(before.PayableCents));
        Assert.That(after.PayableCents, Is.EqualTo(before.PayableCents));
        Assert.That(after.PaidCents, Is.EqualTo(before.PaidCents));
    }

    [Test]
    public async Task Run_NoWorkerAtTheMinimum_IsARunWithNoLines()
    {
        var run = await RunAsync(minimumCents: 1_000_000_000_000);

        Assert.That(run.GetProperty("lines").GetArrayLength(), Is.Zero);
        Assert.That(run.GetProperty("totalCents").GetInt64(), Is.Zero);
        Assert.That((await Admin.GetAsync($"{Runs}/{run.GetProperty("runId").GetGuid()}")).GetProperty("lines").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Run_TwoAtOnce_PayEachWorkerOnce()
    {
        var workers = await PaidWorkersAsync();
        var payable = new Dictionary<string, long>();
        foreach (var workerId in workers)
        {
            payable[workerId] = (await EarningsAsync(workerId)).PayableCents;
        }

        var runs = await Task.WhenAll(RunAsync(minimumCents: 1), RunAsync(minimumCents: 1));

        foreach (var workerId in workers)
        {
            var lines = runs.Select(LinesOf).Where(l => l.ContainsKey(workerId)).Select(l => l[workerId]).ToList();
            Assert.That(lines, Is.EqualTo(new[] { payable[workerId] }), workerId);
            Assert.That((await EarningsAsync(workerId)).PaidCents, Is.EqualTo(payable[workerId]), workerId);
        }

        await AssertLedgerBalancedAsync();
    }

    [Test]
    public async Task GetRun_AsJsonAndCsv_ShowsTheLinesTheRunPaid()
    {
        var workerId = (await PaidWorkersAsync())[0];
        var run = await RunAsync(minimumCents: 1);
        var runId = run.GetProperty("runId").GetGuid();

        var json = await Admin.GetAsync($"{Runs}/{runId}?format=json");
        using var csv = await Admin.SendAsync(HttpMethod.Get, $"{Runs}/{runId}?format=csv");
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(json.GetProperty("runId").GetGuid(), Is.EqualTo(runId));
        Assert.That(LinesOf(json), Is.EquivalentTo(LinesOf(run)));
        Assert.That(json.GetProperty("totalCents").GetInt64(), Is.EqualTo(run.GetProperty("totalCents").GetInt64()));
        Assert.That(csv.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(csv.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        Assert.That(rows[0], Is.EqualTo("runId,workerId,amountCents"));
        Assert.That(rows.Skip(1), Does.Contain($"{runId},{workerId},{LinesOf(run)[workerId]}"));
        Assert.That(rows.Skip(1).Select(r => r.Split(',')).ToDictionary(r => r[1], r => long.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)),
            Is.EquivalentTo(LinesOf(run)));
    }

    [TestCase("{ \"minimumCents\": 0 }")]
    [TestCase("{ \"minimumCents\": -5 }")]
    [TestCase("{}")]
    [TestCase("{ \"minimumCents\": null }")]
    public async Task Run_MinimumCentsMissingOrBelowOne_Is400NamingItAndCreatesNothing(string body)
    {
        var runsBefore = await ScalarAsync("Payouts", "SELECT count(*) FROM payout_runs");
        var payoutsBefore = await PayoutCountAsync("true");

        using var response = await Admin.SendAsync(HttpMethod.Post, Runs, JsonDocument.Parse(body).RootElement);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { "minimumCents" }));
        Assert.That(await ScalarAsync("Payouts", "SELECT count(*) FROM payout_runs"), Is.EqualTo(runsBefore));
        Assert.That(await PayoutCountAsync("true"), Is.EqualTo(payoutsBefore));
    }

    [Test]
    public async Task Run_AsWorkerOrWithoutToken_Is403Or401()
    {
        var worker = As("worker");
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Post, Runs, new { minimumCents = 1 })), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(worker.SendAsync(HttpMethod.Get, $"{Runs}/{Guid.NewGuid()}")), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StatusAsync(Http.PostAsJsonAsync(Runs, new { minimumCents = 1 })), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task GetRun_Unknown_Is404ProblemDetails()
    {
        using var response = await Admin.SendAsync(HttpMethod.Get, $"{Runs}/{Guid.NewGuid()}");
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(404));
    }

    [Test]
    public async Task GetRun_UnknownFormat_Is400NamingFormat()
    {
        var run = await RunAsync(minimumCents: 1_000_000_000_000);
        using var response = await Admin.SendAsync(HttpMethod.Get, $"{Runs}/{run.GetProperty("runId").GetGuid()}?format=xml");
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EqualTo(new[] { "format" }));
    }

    private sealed record Earnings(long PendingCents, long PayableCents, long PaidCents);

    /// <summary>One admin for the whole fixture: an Idempotency-Key belongs to the principal that sent it.</summary>
    private static CrowdClient Admin => As("admin", "payout-ops");

    /// <summary>
    /// Workers who did paid work: a marketplace of two items, each annotated by both of two perfect workers, run until
    /// its escrow is settled, so every one of their rewards is in their payable balance.
    /// </summary>
    private static async Task<IReadOnlyList<string>> PaidWorkersAsync()
    {
        var report = await new Marketplace(Http, CrowdFixture.Crowd.Tokens, new MarketplaceOptions
        {
            Items = 2,
            RedundancyMin = 2,
            RedundancyMax = 2,
            Threshold = 0.5,
            WorkerAccuracies = [1.0, 1.0],
            Timeout = TimeSpan.FromMinutes(2),
        }).RunAsync();
        Assert.That(report.Workers.Select(w => w.PayableCents), Has.All.GreaterThan(0), "each worker earned something");
        return report.Workers.Select(w => w.WorkerId).ToList();
    }

    private static async Task<JsonElement> RunAsync(long minimumCents) =>
        (await Admin.CallAsync(HttpMethod.Post, Runs, new { minimumCents }, expected: HttpStatusCode.Created))!.Value;

    private static Dictionary<string, long> LinesOf(JsonElement run) =>
        run.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("workerId").GetString()!, l => l.GetProperty("amountCents").GetInt64());

    private static async Task<Earnings> EarningsAsync(string workerId) =>
        (await Admin.GetAsync($"/v1/workers/{workerId}/earnings")).Deserialize<Earnings>(JsonSerializerOptions.Web)!;

    private static Task<long> PayoutCountAsync(string condition) =>
        ScalarAsync("Payouts", $"SELECT count(*) FROM ledger_transactions WHERE kind = 'payout' AND {condition}");

    private static async Task AssertLedgerBalancedAsync()
    {
        var check = await Admin.GetAsync("/v1/ledger/check");
        Assert.That(check.GetProperty("balanced").GetBoolean(), Is.True, check.ToString());
        Assert.That(check.GetProperty("sumCents").GetInt64(), Is.Zero);
        Assert.That(check.GetProperty("negativeAccounts").GetArrayLength(), Is.Zero);
    }
}
