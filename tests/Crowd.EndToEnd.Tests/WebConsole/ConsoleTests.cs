using System.Net;
using System.Text.Json;
using Crowd.Cli.Auth;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;
using static Crowd.EndToEnd.Tests.KindSteps;
using static Crowd.EndToEnd.Tests.SpatialKindTests;

namespace Crowd.EndToEnd.Tests.WebConsole;

/// <summary>
/// Issue 11's console, in a real headless Chromium against the real processes: a requester watches a batch complete, a
/// QA reviewer settles a box disagreement by choosing one worker's boxes, an operator reads the books, and a caller
/// without a valid token, or without a role the console serves, sees no data. Each page is also checked for script
/// errors and content security policy refusals. The screenshots in README come from these tests.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[Category("Browser")]
[NonParallelizable]
public sealed class ConsoleTests
{
    private ConsoleBrowser _browser = null!;

    [OneTimeSetUp]
    public async Task LaunchAsync() => _browser = await ConsoleBrowser.LaunchAsync();

    [OneTimeTearDown]
    public async Task CloseAsync() => await _browser.DisposeAsync();

    /// <summary>Box items of a known size whose content is a viewer link, as a requester with a web viewer would send them.</summary>
    private static void BoxItems(Dictionary<string, object?> body, int items)
    {
        body["name"] = "Chest X-ray nodules (console)";
        body["labelSchema"] = BboxSchema;
        body["items"] = Enumerable.Range(0, items)
            .Select(i => new { externalId = $"case-{i}", contentUri = $"https://viewer.example/studies/{i}", width = 64, height = 48 }).ToArray();
    }

    private static string TokenFor(CrowdClient client, string role) => CrowdFixture.Crowd.Tokens.Issue(client.Subject, [role]);

    /// <summary>A one-item classification batch whose task waits for QA, and a QA reviewer to settle it.</summary>
    private static async Task<(CrowdClient Requester, Guid BatchId, CrowdClient Qa, string? DisagreementId)> ClassificationDisagreementAsync()
    {
        // One new worker's answer cannot reach a 0.9 posterior, so at max 1 the task goes to QA.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 1, max: 1);
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => new { label = "nodule" });
        var qa = As("qa");
        return (requester, batchId, qa, (await OnlyDisagreementAsync(qa, batchId)).GetProperty("disagreementId").GetString());
    }

    [Test]
    public async Task Requester_WatchesTheirBatchComplete_WithAgreementPerClassAndTheFindingsDrawnOverEachFrame()
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 2, min: 2, max: 2, change: body => BoxItems(body, 2));
        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SignInAsync(TokenFor(requester, "requester"));

        await page.WaitForAsync($"document.querySelector('#batches tr[data-batch-id=\"{batchId}\"]') !== null", "the batch in the list");
        Assert.That(await page.TextAsync($"#batches tr[data-batch-id=\"{batchId}\"] .status"), Is.EqualTo("open"));
        Assert.That(await page.TextAsync($"#batches tr[data-batch-id=\"{batchId}\"] .progress-text"), Is.EqualTo("0 / 2 final"));
        await page.ClickAsync($"#batches tr[data-batch-id=\"{batchId}\"] a");
        await page.WaitForAsync("document.getElementById('batch-status')?.textContent === 'open'", "the batch's page");
        // The same page, never reloaded, is to show the batch completing: a reload would lose this mark.
        await page.EvaluateAsync<int>("window.watching = 1");

        // Two careful workers draw the same finding (IoU 380 / 420): fused and accepted on both items.
        await AnnotateAllAsync(await WorkerAsync(qualification), 2, _ => new { boxes = new[] { Box("nodule", 10, 10, 20, 20) } });
        await AnnotateAllAsync(await WorkerAsync(qualification), 2, _ => new { boxes = new[] { Box("nodule", 11, 10, 20, 20) } });

        await page.WaitForAsync("document.getElementById('batch-status')?.textContent === 'completed'", "the batch completed");
        Assert.That(await page.EvaluateAsync<int>("window.watching"), Is.EqualTo(1), "the page updated itself, no reload");
        var batch = await requester.GetAsync($"/v1/batches/{batchId}");
        Assert.That(await page.TextAsync("#batch-progress"), Is.EqualTo("2 / 2"));
        Assert.That(await page.TextAsync("#batch-facts"), Does.Contain(Money(batch.GetProperty("spentCents").GetInt64()))
            .And.Contain(Money(batch.GetProperty("maxCostCents").GetInt64())), "spend against the maximum, as the API states them");

        // Agreement per class: boxes have no kappa, so the chart shows the mean agreement (mean IoU) of the tasks with the class.
        var results = await ResultsAsync(requester, batchId);
        var meanAgreement = results.Values.Average(r => r.GetProperty("agreement").GetDouble());
        await page.WaitForAsync("document.querySelector('#agreement-chart g[data-class=\"nodule\"]') !== null", "the agreement chart");
        Assert.That(await page.EvaluateAsync<double>("+document.querySelector('#agreement-chart g[data-class=\"nodule\"]').dataset.value"),
            Is.EqualTo(meanAgreement).Within(1e-4));

        // Each item: final, one fused box drawn over a 64 × 48 frame, its content linked (a viewer URL).
        await page.WaitForAsync("document.querySelectorAll('#items article[data-status=\"final\"]').length === 2", "both items final");
        foreach (var item in new[] { "case-0", "case-1" })
        {
            var card = $"#items article[data-external-id=\"{item}\"]";
            Assert.That(await page.EvaluateAsync<string>($"document.querySelector('{card} svg').getAttribute('viewBox')"), Is.EqualTo("0 0 64 48"));
            Assert.That(await page.CountAsync($"{card} rect[data-shape=\"box\"]"), Is.EqualTo(1));
            Assert.That(await page.EvaluateAsync<double>($"+document.querySelector('{card} rect[data-shape=\"box\"]').getAttribute('x')"), Is.EqualTo(10.5));
            Assert.That(await page.EvaluateAsync<string>($"document.querySelector('{card} a').href"), Is.EqualTo($"https://viewer.example/studies/{item[^1]}"));
        }

        await page.ScreenshotAsync("requester-batch.png");
        await page.GoToAsync("#/batches");
        await page.WaitForAsync($"document.querySelector('#batches tr[data-batch-id=\"{batchId}\"] .status')?.textContent === 'completed'", "the list");
        await page.ScreenshotAsync("requester-batches.png");
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task Requester_SeesAnItemsFinalMaskDrawnOverItsFrame_AndAContentUriThatIsNoViewerUrlIsNotLinked()
    {
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 2, max: 2, change: body =>
        {
            body["labelSchema"] = SegmentationSchema;
            body["items"] = new[] { new { externalId = "case-0", contentUri = "dicomweb://pacs.test/studies/0", width = 8, height = 6 } };
        });
        // Rows 1 and 2, columns 1 to 3 of an 8 × 6 frame (row-major runs: start 9 length 3, start 17 length 3), by both workers.
        var mask = new { masks = new[] { new { label = "nodule", width = 8, height = 6, rle = new[] { 9, 3, 17, 3 } } } };
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => mask);
        await AnnotateAllAsync(await WorkerAsync(qualification), 1, _ => mask);
        await WaitForBatchAsync(requester, batchId, "completed");

        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SignInAsync(TokenFor(requester, "requester"));
        await page.GoToAsync($"#/batches/{batchId}");
        const string card = "#items article[data-external-id=\"case-0\"]";
        await page.WaitForAsync($"document.querySelector('{card}')?.dataset.status === 'final'", "the final item");

        Assert.That(await page.EvaluateAsync<string>($"document.querySelector('{card} svg').getAttribute('viewBox')"), Is.EqualTo("0 0 8 6"));
        Assert.That(await page.EvaluateAsync<string>(
                $"[...document.querySelectorAll('{card} g[data-shape=\"mask\"] rect')].map(r => ['x', 'y', 'width'].map(a => r.getAttribute(a)).join(',')).join(' ')"),
            Is.EqualTo("1,1,3 1,2,3"), "one row segment per run, where the runs are");
        Assert.That(await page.CountAsync($"{card} a"), Is.Zero, "a dicomweb:// reference is shown, not linked");
        Assert.That(await page.TextAsync(card), Does.Contain("dicomweb://pacs.test/studies/0"));
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task Reviewer_ClaimsABoxDisagreement_SeesEveryAnnotationSideBySide_AndResolvesItByChoosingAWorkersBoxes()
    {
        // Two workers' boxes overlap by IoU 50 / 150 = 1/3: no match, nobody agrees, QA at max 2.
        var (requester, batchId, qualification) = await OpenBatchAsync(items: 1, min: 2, max: 2, change: body => BoxItems(body, 1));
        var first = await WorkerAsync(qualification);
        var second = await WorkerAsync(qualification);
        await AnnotateAllAsync(first, 1, _ => new { boxes = new[] { Box("nodule", 4, 6, 24, 20) } });
        await AnnotateAllAsync(second, 1, _ => new { boxes = new[] { Box("nodule", 16, 6, 24, 20) } });
        var qa = As("qa");
        var disagreementId = (await OnlyDisagreementAsync(qa, batchId)).GetProperty("disagreementId").GetString();

        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SignInAsync(TokenFor(qa, "qa"));
        var row = $"#queue tr[data-disagreement-id=\"{disagreementId}\"]";
        await page.WaitForAsync($"document.querySelector('{row} button.claim') !== null", "the disagreement in the queue");
        await page.ClickAsync($"{row} button.claim");

        await page.WaitForAsync("document.querySelectorAll('#annotations article.annotation').length === 2", "both annotations side by side");
        var claimed = (await qa.GetAsync($"/v1/disagreements?batchId={batchId}&status=claimed")).GetProperty("items")[0];
        Assert.That(claimed.GetProperty("claimedBy").GetString(), Is.EqualTo(qa.Subject), "opening it claimed it for the reviewer");
        // Both workers' boxes over one frame, each in its own colour, and each worker's reliability as the API gives it.
        Assert.That(await page.CountAsync("#overlay rect[data-shape=\"box\"]"), Is.EqualTo(2));
        Assert.That(await page.EvaluateAsync<int>("new Set([...document.querySelectorAll('#overlay rect[data-shape=\"box\"]')].map(r => r.getAttribute('stroke'))).size"),
            Is.EqualTo(2), "a colour per annotator");
        foreach (var annotation in claimed.GetProperty("annotations").EnumerateArray())
        {
            var card = $"#annotations article[data-worker-id=\"{annotation.GetProperty("workerId").GetString()}\"]";
            Assert.That(await page.TextAsync($"{card} .reliability"), Is.EqualTo(annotation.GetProperty("workerReliability").GetDouble().ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(await page.CountAsync($"{card} rect[data-shape=\"box\"]"), Is.EqualTo(1));
        }

        await page.ScreenshotAsync("qa-review.png");
        await page.ClickAsync($"#annotations article[data-worker-id=\"{first.Subject}\"] button.choose");
        await page.WaitForAsync("document.getElementById('resolved') !== null", "the resolution confirmed");

        await WaitForBatchAsync(requester, batchId, "completed");
        var result = (await ResultsAsync(requester, batchId))["case-0"];
        Assert.That(result.GetProperty("source").GetString(), Is.EqualTo("qa"));
        var box = result.GetProperty("label").GetProperty("boxes").EnumerateArray().Single();
        Assert.That(new[] { "x", "y", "w", "h" }.Select(f => box.GetProperty(f).GetDouble()), Is.EqualTo(new[] { 4.0, 6, 24, 20 }), "the first worker's boxes");
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task Reviewer_ExcludesAClassificationDisagreement_WithANote_AndTheTaskLeavesTheResults()
    {
        var (requester, batchId, qa, disagreementId) = await ClassificationDisagreementAsync();

        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SignInAsync(TokenFor(qa, "qa"));
        await page.GoToAsync($"#/qa/{disagreementId}");
        await page.WaitForAsync("document.querySelectorAll('#annotations article.annotation').length === 1", "the annotation");
        Assert.That(await page.TextAsync("#annotations .label"), Is.EqualTo("nodule"), "a class is shown as words, not drawn");
        Assert.That(await page.CountAsync("#overlay"), Is.Zero, "nothing to overlay for a classification");
        await page.TypeAsync("#note", "image is not a chest CT");
        await page.ClickAsync("#exclude");
        await page.WaitForAsync("document.getElementById('resolved') !== null", "the exclusion confirmed");

        await WaitForBatchAsync(requester, batchId, "completed");
        Assert.That(await ResultsAsync(requester, batchId), Is.Empty, "an excluded task has no result");
        var resolved = (await qa.GetAsync($"/v1/disagreements?batchId={batchId}&status=resolved")).GetProperty("items");
        Assert.That(resolved.EnumerateArray().Select(d => d.GetProperty("disagreementId").GetString()), Is.EqualTo(new[] { disagreementId }));
        var exclusion = (await AuditTests.EventsAsync($"actorId={qa.Subject}", e => e.Any(x => x.Action == "qa.excluded")))
            .Single(e => e.Action == "qa.excluded");
        Assert.That(exclusion.Detail, Does.Contain("image is not a chest CT"), "the reviewer's note is on the record");
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task Reviewer_OpensADisagreementWhileTheQueueIsStillLoading_KeepsTheDisagreement()
    {
        var (_, _, qa, disagreementId) = await ClassificationDisagreementAsync();

        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SlowDownAsync("/v1/disagreements?status=", TimeSpan.FromSeconds(2)); // the queue's two lists
        await page.SignInAsync(TokenFor(qa, "qa"));
        await page.WaitForAsync("location.hash === '#/qa'", "the queue, a reviewer's home, asked for");
        await page.GoToAsync($"#/qa/{disagreementId}");
        await page.WaitForAsync("document.querySelectorAll('#annotations article.annotation').length === 1", "the annotation");

        await Task.Delay(TimeSpan.FromSeconds(3)); // the queue's answers have come meanwhile
        Assert.That(await page.CountAsync("#annotations article.annotation"), Is.EqualTo(1),
            "the disagreement the reviewer went to stays; the queue they left, answered late, does not replace it");
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task Operator_SeesTheLedgerCheck_TheAuditVerdict_AndEveryServiceInstancesMetrics_AsTheApiStatesThem()
    {
        var admin = As("admin");
        // A claim (there is nothing for a worker without qualifications) makes sure assignment's claim counter exists.
        var idle = await WorkerAsync();
        await idle.CallAsync(HttpMethod.Post, $"/v1/workers/{idle.Subject}/claims", expected: [HttpStatusCode.Created, HttpStatusCode.NoContent]);
        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.SignInAsync(TokenFor(admin, "admin"));
        await page.GoToAsync("#/ops");
        await page.WaitForAsync("document.querySelectorAll('#metrics tr[data-service]').length === 4", "the four services");

        var ledger = await admin.GetAsync("/v1/ledger/check");
        var audit = await admin.GetAsync("/v1/audit/verify");
        Assert.That(await page.TextAsync("#ledger b"), Is.EqualTo(ledger.GetProperty("balanced").GetBoolean() ? "balanced" : "NOT balanced"));
        Assert.That(await page.TextAsync("#audit b"), Is.EqualTo(audit.GetProperty("valid").GetBoolean() ? "valid" : "BROKEN"));
        foreach (var service in new[] { "slicing", "assignment", "consensus", "payouts" })
        {
            Assert.That(await page.TextAsync($"#metrics tr[data-service=\"{service}\"] td:nth-child(3)"), Is.EqualTo("up"), service);
        }

        await page.WaitForAsync("document.querySelector('#metrics tr[data-service=\"assignment\"]').textContent.includes('crowd_claims_total')",
            "assignment's claim counter");
        await page.ScreenshotAsync("operator.png");
        Assert.That(page.Failures, Is.Empty);
    }

    [Test]
    public async Task WithoutAValidToken_TheConsoleShowsNothing_AndNoOneSeesAnotherRequestersBatch()
    {
        var (owner, batchId, _) = await OpenBatchAsync(items: 1, change: body => BoxItems(body, 1));

        // No token: the sign-in form, no view, and no call to the API at all.
        var page = await _browser.OpenAsync(CrowdFixture.Crowd.Gateway);
        await page.WaitForAsync("document.getElementById('sign-in') !== null", "the sign-in form");
        Assert.That(await page.EvaluateAsync<int>("performance.getEntriesByType('resource').filter(e => e.name.includes('/v1/')).length"), Is.Zero);
        Assert.That(await page.CountAsync("#nav a"), Is.Zero);

        // A requester token signed with another key: the API answers 401, the console drops it and shows no data.
        var forged = new TokenIssuer(new byte[64]).Issue(owner.Subject, ["requester"]);
        await page.SignInAsync(forged);
        await page.WaitForAsync("document.getElementById('banner').textContent.includes('401')", "the refusal");
        Assert.That(await page.CountAsync("#batches"), Is.Zero);
        Assert.That(await page.EvaluateAsync<bool>("sessionStorage.length === 0"), Is.True, "the refused token is forgotten");
        Assert.That(await page.TextAsync("body"), Does.Not.Contain("Chest X-ray nodules"));

        // A worker's token: nothing the console offers.
        await page.SignInAsync(CrowdFixture.Crowd.Tokens.Issue(As("worker").Subject, ["worker"]));
        await page.WaitForAsync("document.getElementById('no-access') !== null", "the no-access note");
        Assert.That(await page.CountAsync("#nav a"), Is.Zero);
        await page.ClickAsync("#sign-out");

        // Another requester: an empty list, and the owner's batch by its id is the API's 404, with none of its figures.
        var stranger = As("requester");
        await page.SignInAsync(TokenFor(stranger, "requester"));
        await page.WaitForAsync("document.querySelector('main h1')?.textContent === 'Batches'", "the stranger's batch list");
        Assert.That(await page.CountAsync($"tr[data-batch-id=\"{batchId}\"]"), Is.Zero);
        await page.GoToAsync($"#/batches/{batchId}");
        await page.WaitForAsync("document.getElementById('banner').textContent.startsWith('404')", "the owner's batch refused");
        Assert.That(await page.CountAsync("#batch-facts"), Is.Zero);
        Assert.That(await page.TextAsync("body"), Does.Not.Contain("Chest X-ray nodules"));
        Assert.That(page.Failures, Is.Empty);
    }

    /// <summary>Cents as the console writes them (US dollars, the deployment's default currency).</summary>
    private static string Money(long cents) => "$" + (cents / 100m).ToString("N2", System.Globalization.CultureInfo.InvariantCulture);
}
