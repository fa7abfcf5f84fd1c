using Crowd.Gateway.Operations;

namespace Crowd.Services.Tests.Gateway;

/// <summary>The gateway's reader of the services' <c>/metrics</c>, on the exposition format's own published example.</summary>
[TestFixture]
public sealed class PrometheusTextTests
{
    // From the Prometheus documentation, "Exposition formats", text format example (version 0.0.4).
    private const string PublishedExample = """
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000

        # Escaping in label values:
        msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

        # Minimalistic line:
        metric_without_timestamp_and_labels 12.47

        # A weird metric from before the epoch:
        something_weird{problem="division by zero"} +Inf -3982045
        """;

    [Test]
    public void Parse_ThePublishedExample_ReadsEverySampleWithItsLabelsUnescaped()
    {
        var samples = PrometheusText.Parse(PublishedExample).ToList();

        Assert.That(samples.Select(s => (s.Name, s.Value)), Is.EqualTo(new[]
        {
            ("http_requests_total", 1027.0), ("http_requests_total", 3.0), ("msdos_file_access_time_seconds", 1.458255915e9),
            ("metric_without_timestamp_and_labels", 12.47), ("something_weird", double.PositiveInfinity),
        }));
        Assert.That(samples[0].Labels, Is.EqualTo(new Dictionary<string, string> { ["method"] = "post", ["code"] = "200" }));
        Assert.That(samples[2].Labels["path"], Is.EqualTo(@"C:\DIR\FILE.TXT"));
        Assert.That(samples[2].Labels["error"], Is.EqualTo("Cannot find file:\n\"FILE.TXT\""));
        Assert.That(samples[3].Labels, Is.Empty);
    }

    [TestCase("broken{label=\"unterminated 1")]
    [TestCase("no_value{a=\"b\"}")]
    [TestCase("not_a_number{a=\"b\"} many")]
    public void Parse_ALineItCannotRead_IsSkipped_AndTheOthersAreStillRead(string broken)
    {
        var samples = PrometheusText.Parse($"first 1\n{broken}\nlast 2\n").ToList();

        Assert.That(samples.Select(s => s.Name), Is.EqualTo(new[] { "first", "last" }));
    }
}
