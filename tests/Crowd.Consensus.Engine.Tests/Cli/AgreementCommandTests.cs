using System.Text;
using System.Text.Json;
using Crowd.Cli.Commands;

namespace Crowd.Consensus.Engine.Tests.Cli;

[NonParallelizable]
public class AgreementCommandTests
{
    private CliRunner _files = null!;

    [SetUp]
    public void SetUp() => _files = new CliRunner();

    [TearDown]
    public void TearDown() => _files.Delete();

    [Test]
    public void Run_FleissOnWikipediaExample_PrintsPublishedKappaAsJson()
    {
        // Wikipedia's Fleiss example (10 subjects x 14 raters) in long format, categories named 1..5.
        int[,] counts =
        {
            { 0, 0, 0, 0, 14 }, { 0, 2, 6, 4, 2 }, { 0, 0, 3, 5, 6 }, { 0, 3, 9, 2, 0 }, { 2, 2, 8, 1, 1 },
            { 7, 7, 0, 0, 0 }, { 3, 2, 6, 3, 0 }, { 2, 5, 3, 2, 2 }, { 6, 5, 2, 1, 0 }, { 0, 2, 2, 3, 7 },
        };
        var csv = new StringBuilder("item,worker,label\n");
        for (var i = 0; i < 10; i++)
        {
            var rater = 0;
            for (var c = 0; c < 5; c++)
            {
                for (var n = 0; n < counts[i, c]; n++)
                {
                    csv.Append($"s{i},r{rater++},{c + 1}\n");
                }
            }
        }

        var (code, stdout, stderr) = CliRunner.Run("agreement", "--metric", "fleiss", "--input", _files.File("fleiss.csv", csv.ToString()));

        Assert.That(code, Is.EqualTo(0), stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("metric").GetString(), Is.EqualTo("fleiss"));
        Assert.That(json.RootElement.GetProperty("value").GetDouble(), Is.EqualTo(0.210).Within(0.0005));
        Assert.That(json.RootElement.GetProperty("items").GetInt32(), Is.EqualTo(10));
        Assert.That(json.RootElement.GetProperty("workers").GetInt32(), Is.EqualTo(14));
        Assert.That(json.RootElement.GetProperty("perClass").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));
    }

    [TestCase("alpha-nominal", 0.743)]
    [TestCase("alpha-ordinal", 0.815)]
    [TestCase("alpha-interval", 0.849)]
    [TestCase("alpha-ratio", 0.797)]
    public void Run_AlphaOnKrippendorff2011Example_PrintsPublishedAlpha(string metric, double published)
    {
        // Krippendorff (2011) reliability data; a missing value is an empty label or simply no row.
        string?[][] data =
        [
            ["1", "1", null, "1"], ["2", "2", "3", "2"], ["3", "3", "3", "3"], ["3", "3", "3", "3"],
            ["2", "2", "2", "2"], ["1", "2", "3", "4"], ["4", "4", "4", "4"], ["1", "1", "2", "1"],
            ["2", "2", "2", "2"], [null, "5", "5", "5"], [null, null, "1", "1"], [null, "3", null, null],
        ];
        var csv = new StringBuilder("item,worker,label\n");
        for (var u = 0; u < data.Length; u++)
        {
            for (var c = 0; c < 4; c++)
            {
                if (data[u][c] is { } v)
                {
                    csv.Append($"{u + 1},{"ABCD"[c]},{v}\n");
                }
                else if (c == 0)
                {
                    csv.Append($"{u + 1},{"ABCD"[c]},\n");
                }
            }
        }

        var (code, stdout, stderr) = CliRunner.Run("agreement", "--metric", metric, "--input", _files.File("k.csv", csv.ToString()));

        Assert.That(code, Is.EqualTo(0), stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("value").GetDouble(), Is.EqualTo(published).Within(0.0005));
        Assert.That(json.RootElement.GetProperty("perClass").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("workers").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public void Run_CohenLinearOnSexualFun_PrintsVcdWeightedKappa()
    {
        // vcd's SexualFun table (husband rows, wife columns); categories ranked 1..4; vcd: weighted 0.2374.
        int[,] table = { { 7, 7, 2, 3 }, { 2, 8, 3, 7 }, { 1, 5, 4, 9 }, { 2, 8, 9, 14 } };
        var csv = new StringBuilder("item,worker,label\n");
        var couple = 0;
        for (var h = 0; h < 4; h++)
        {
            for (var w = 0; w < 4; w++)
            {
                for (var n = 0; n < table[h, w]; n++)
                {
                    csv.Append($"{couple},husband,{h + 1}\n{couple},wife,{w + 1}\n");
                    couple++;
                }
            }
        }

        var (code, stdout, _) = CliRunner.Run("agreement", "--metric", "cohen-linear", "--input", _files.File("sf.csv", csv.ToString()));

        Assert.That(code, Is.EqualTo(0));
        using var json = JsonDocument.Parse(stdout);
        Assert.That(json.RootElement.GetProperty("value").GetDouble(), Is.EqualTo(0.2374).Within(0.00005));
        Assert.That(json.RootElement.GetProperty("items").GetInt32(), Is.EqualTo(91));
    }

    [TestCase("item,worker,label\n1,a,x\n1,b,y\n1,c,x\n", "cohen", "exactly two workers")]
    [TestCase("item,worker,label\n1,a,1\n1,b,high\n", "alpha-interval", "not a number")]
    [TestCase("item,worker\n1,a\n", "fleiss", "no 'label' column")]
    [TestCase("unit,coder,value\n1,a,1\n", "fleiss", "no 'item' column")]
    [TestCase("", "fleiss", "empty file")]
    [TestCase("item,worker,label\n", "fleiss", "no data rows")]
    [TestCase("item,worker,label\n1,a,\n", "fleiss", "no labels")]
    [TestCase("item,worker,label\n1,a,1\n", "kappa", "unknown metric")]
    public void Run_BadInput_ExitsTwoWithOneLine(string content, string metric, string message)
    {
        var (code, stdout, stderr) = CliRunner.Run("agreement", "--metric", metric, "--input", _files.File("bad.csv", content));

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.Contain(message));
    }

    [Test]
    public void Run_MissingFileOrOption_ExitsTwoWithOneLine()
    {
        var missing = CliRunner.Run("agreement", "--metric", "fleiss", "--input", "/no/such/file.csv");
        var noInput = CliRunner.Run("agreement", "--metric", "fleiss");

        Assert.That(missing.Code, Is.EqualTo(2));
        Assert.That(missing.Err, Does.Contain("file not found"));
        Assert.That(noInput.Code, Is.EqualTo(2));
        Assert.That(noInput.Err, Does.Contain("missing --input"));
    }
}
