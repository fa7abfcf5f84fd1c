using System.Net;
using System.Text;
using System.Text.Json;
using Crowd.Cli.Simulation;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>Bad input gets a 4xx problem details answer naming the field, never a 500, and changes nothing.</summary>
[TestFixture]
[Category("EndToEnd")]
public sealed partial class ValidationTests
{
    private CrowdClient _requester = null!;

    [SetUp]
    public void NewRequester() => _requester = As("requester");

    [TearDown]
    public async Task NothingWasCreatedAsync()
    {
        var batches = await _requester.GetAsync("/v1/batches");
        Assert.That(batches.GetProperty("items").GetArrayLength(), Is.Zero, "a rejected request must not create a batch");
    }

    [TestCase("{\"name\": ", "name")]
    [TestCase("not json at all", "body")]
    [TestCase("{\"name\": \"x\", \"redundancy\": {\"min\": \"three\", \"max\": 5}}", "redundancy.min")]
    [TestCase("{\"name\": 42}", "name")]
    [TestCase("{\"name\": \"x\", \"surprise\": true}", "surprise")]
    public async Task SubmitBatch_MalformedJson_Is400NamingTheField(string body, string field)
    {
        using var response = await PostRawAsync("/v1/batches", body);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
    }

    [Test]
    public async Task SubmitBatch_MissingFields_Is400NamingEachField()
    {
        using var response = await _requester.SendAsync(HttpMethod.Post, "/v1/batches", new { name = "incomplete" });
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name),
            Is.SupersetOf(new[] { "modality", "labelSchema", "slicing", "redundancy", "acceptance", "pricePerAnnotationCents", "items" }));
    }

    [TestCase("redundancy", "{\"min\": 0, \"max\": 3}", "redundancy.min")]
    [TestCase("redundancy", "{\"min\": 4, \"max\": 3}", "redundancy.max")]
    [TestCase("redundancy", "{\"min\": 3, \"max\": 16}", "redundancy.max")]
    [TestCase("acceptance", "{\"threshold\": 0}", "acceptance.threshold")]
    [TestCase("acceptance", "{\"threshold\": 1.5}", "acceptance.threshold")]
    [TestCase("pricePerAnnotationCents", "-5", "pricePerAnnotationCents")]
    [TestCase("slicing", "{\"mode\": \"diagonal\"}", "slicing.mode")]
    [TestCase("labelSchema", "{\"kind\": \"classification\", \"classes\": []}", "labelSchema.classes")]
    [TestCase("labelSchema", "{\"kind\": \"classification\", \"classes\": [\"a\", \"a\"]}", "labelSchema.classes")]
    [TestCase("items", "[]", "items")]
    [TestCase("items", "[{\"externalId\": \"a\", \"contentUri\": \"not a uri\"}]", "items[0].contentUri")]
    [TestCase("items", "[{\"externalId\": \"a\", \"contentUri\": \"dicomweb://x/1\"}, {\"externalId\": \"a\", \"contentUri\": \"dicomweb://x/2\"}]", "items")]
    public async Task SubmitBatch_OutOfRangeField_Is400NamingIt(string property, string json, string field)
    {
        var batch = Batch();
        batch[property] = JsonDocument.Parse(json).RootElement;
        using var response = await _requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain(field));
    }

    [Test]
    public async Task SubmitBatch_PatientIdentifyingMetadata_Is422NamingEachKey()
    {
        var batch = Batch();
        batch["items"] = new[]
        {
            new { externalId = "a", contentUri = "dicomweb://x/1", metadata = new Dictionary<string, string> { ["PatientName"] = "Doe^John", ["bodyPart"] = "CHEST" } },
            new { externalId = "b", contentUri = "dicomweb://x/2", metadata = new Dictionary<string, string> { ["00100020"] = "12345" } },
        };
        using var response = await _requester.SendAsync(HttpMethod.Post, "/v1/batches", batch);
        var problem = await ProblemAsync(response);
        var messages = problem.GetProperty("errors").EnumerateObject().SelectMany(e => e.Value.EnumerateArray()).Select(m => m.GetString()).ToList();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(messages, Has.Some.Contains("PatientName"));
        Assert.That(messages, Has.Some.Contains("00100020"));
        Assert.That(messages, Has.None.Contains("bodyPart"));
    }

    [Test]
    public async Task Deposit_NegativeAmount_Is400AndBalanceUnchanged()
    {
        using var response = await As("admin").SendAsync(HttpMethod.Post, $"/v1/requesters/{_requester.Subject}/deposits", new { amountCents = -100, reference = "oops" });
        var problem = await ProblemAsync(response);
        var balance = await _requester.GetAsync($"/v1/requesters/{_requester.Subject}/balance");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("amountCents"));
        Assert.That(balance.GetProperty("availableCents").GetInt64(), Is.Zero);
    }

    [Test]
    public async Task ListBatches_LimitOutOfRange_Is4xxNamingIt()
    {
        using var response = await _requester.SendAsync(HttpMethod.Get, "/v1/batches?limit=5000");
        var problem = await ProblemAsync(response);

        Assert.That((int)response.StatusCode, Is.InRange(400, 499));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(e => e.Name), Does.Contain("limit"));
    }

    private async Task<HttpResponseMessage> PostRawAsync(string path, string body)
    {
        using var request = Authorized(HttpMethod.Post, path);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }
}
