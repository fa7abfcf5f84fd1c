using System.Net;
using System.Net.Http.Headers;
using static Crowd.EndToEnd.Tests.CrowdFixture;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Every error is problem details, whatever the client says it accepts: a browser's text/html, text/plain or XML once got
/// a 500 and, in Development, the developer exception page with a stack trace.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ErrorAnswerTests
{
    [TestCase("text/html")]
    [TestCase("text/plain")]
    [TestCase("application/xml")]
    public async Task MissingBatch_AnyAccept_Is404ProblemDetails(string accept)
    {
        using var response = await SendAsync($"/v1/batches/{Guid.CreateVersion7()}", accept);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var problem = await ProblemAsync(response);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(404));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("   at "), "no stack trace");
    }

    [TestCase("text/html")]
    [TestCase("application/xml")]
    public async Task BadQuery_AnyAccept_Is422ProblemDetailsNamingTheField(string accept)
    {
        using var response = await SendAsync("/v1/batches?status=nonsense", accept);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await ProblemAsync(response)).GetProperty("errors").TryGetProperty("status", out _), Is.True);
    }

    [Test]
    public async Task UnknownPathOnAService_WithHtmlAccept_Is404ProblemDetails()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{CrowdFixture.Crowd.Port("Slicing")}/v1/nothing-here"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ProblemAsync(response)).GetProperty("status").GetInt32(), Is.EqualTo(404));
    }

    private static async Task<HttpResponseMessage> SendAsync(string path, string accept)
    {
        var requester = As("requester");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CrowdFixture.Crowd.Tokens.Issue(requester.Subject, ["requester"]));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return await Http.SendAsync(request);
    }
}
