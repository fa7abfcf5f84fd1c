using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// API.md's "Limits" through the gateway (issue 10, point 1): hostile or oversized input is a 4xx problem naming the
/// field, answered at once, and nothing is created (the fixture's teardown checks). Among them the inputs that answered
/// 500 or nothing before.
/// </summary>
public sealed partial class ValidationTests
{
    [TestCase("name", "\"chest\\u0000ct\"", "name")]
    [TestCase("name", "\"chest\\u0007ct\"", "name")]
    [TestCase("name", "\"chest\\nct\"", "name")]
    [TestCase("labelSchema", "{\"kind\": \"classification\", \"classes\": [\"nod\\u0000ule\", \"none\"]}", "labelSchema.classes[0]")]
    [TestCase("items", "[{\"externalId\": \"a\\u001b[31m\", \"contentUri\": \"dicomweb://x/1\"}]", "items[0].externalId")]
    [TestCase("items", "[{\"externalId\": \"a\", \"contentUri\": \"dicomweb://x/1\", \"metadata\": {\"site\\u0000\": \"x\"}}]", "items[0].metadata.site\u0000")]
    public async Task SubmitBatch_ControlCharacter_Is400NamingTheField(string property, string json, string field)
    {
        using var response = await PostBatchAsync(property, json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
    }

    [TestCase("/v1/audit?subjectId=%00", "admin", "subjectId")]
    [TestCase("/v1/batches?status=open%07", "requester", "status")]
    [TestCase("/v1/disagreements?batchId=%1B", "qa", "batchId")]
    public async Task Query_ControlCharacter_Is400NamingTheParameter(string pathAndQuery, string role, string parameter)
    {
        // GET /v1/audit?subjectId=%00 answered 500 (PostgreSQL refuses NUL in text), found by the hostile-request fuzz.
        using var response = await As(role).SendAsync(HttpMethod.Get, pathAndQuery);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(parameter));
    }

    [Test]
    public async Task SubmitBatch_NewlineInFreeTextMetadata_IsAccepted()
    {
        var other = As("requester");
        using var response = await PostBatchAsync("items", "[{\"externalId\": \"a\", \"contentUri\": \"dicomweb://x/1\", \"metadata\": {\"history\": \"line one\\nline two\"}}]", other);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "tab, newline and carriage return are text in free-form fields");
    }

    [Test]
    public async Task SubmitBatch_NestedDeeperThan64_Is400()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\": ", 70)) + "1" + new string('}', 70);
        using var response = await PostRawAsync(
            "/v1/batches", $"{{\"name\": \"deep\", \"items\": [{{\"externalId\": \"a\", \"contentUri\": \"dicomweb://x/1\", \"metadata\": {deep}}}]}}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem.GetProperty("errors").EnumerateObject().Single().Name, Does.StartWith("items[0].metadata.a.a"));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Single().Value[0].GetString(), Does.Contain("64"));
    }

    [TestCase("guidelinesUrl", 1_000_000, "guidelinesUrl")]
    [TestCase("callbackUrl", 3_000, "callbackUrl")]
    [TestCase("contentUri", 100_000, "items[0].contentUri")]
    public async Task SubmitBatch_UriLongerThan2048_Is400NamingIt(string property, int length, string field)
    {
        var uri = "https://example.org/" + new string('a', length);
        using var response = property == "contentUri"
            ? await PostBatchAsync("items", $"[{{\"externalId\": \"a\", \"contentUri\": \"{uri}\"}}]")
            : await PostBatchAsync(property, $"\"{uri}\"");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
    }

    [Test]
    public async Task SubmitBatch_TwentyOneQualifications_Is400()
    {
        using var response = await PostBatchAsync("requiredQualifications", JsonSerializer.Serialize(Enumerable.Range(0, 21).Select(i => $"q{i}")));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("requiredQualifications"));
    }

    [Test]
    public async Task SubmitBatch_BodyOver32MiB_Is413BeforeTheBodyIsSent()
    {
        // As curl does for a large body, the client asks to continue first: the gateway refuses on the declared length,
        // so the 33 MiB are never sent. (A client that sends without asking gets the same 413, then a closed connection.)
        using var plain = new HttpClient { BaseAddress = CrowdFixture.Crowd.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var request = Authorized(HttpMethod.Post, "/v1/batches");
        request.Headers.ExpectContinue = true;
        request.Content = new ByteArrayContent(new byte[33 * 1024 * 1024]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await plain.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "answered at once, not after reading 33 MiB");
    }

    [TestCase(3000)]
    [TestCase(0)]
    public async Task SubmitBatch_IdempotencyKeyNotOneTo255PrintableCharacters_Is400NamingIt(int length)
    {
        using var request = Authorized(HttpMethod.Post, "/v1/batches");
        request.Content = JsonContent.Create(Batch());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', length));
        using var response = await Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("Idempotency-Key"));
    }

    [Test]
    public async Task PutProfile_NulInDisplayName_Is400NamingIt()
    {
        var worker = As("worker");
        using var response = await worker.SendAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}", JsonDocument.Parse("{\"displayName\": \"Ann\\u0000\", \"timeZone\": \"UTC\"}").RootElement);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("displayName"));
    }

    private async Task<HttpResponseMessage> PostBatchAsync(string property, string json, CrowdClient? requester = null)
    {
        var batch = Batch();
        batch[property] = JsonDocument.Parse(json).RootElement;
        using var request = Authorized(HttpMethod.Post, "/v1/batches", requester);
        request.Content = new StringContent(JsonSerializer.Serialize(batch), Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path, CrowdClient? requester = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CrowdFixture.Crowd.Tokens.Issue((requester ?? _requester).Subject, ["requester"]));
        return request;
    }
}
