using Crowd.Cli.Commands;

namespace Crowd.Consensus.Engine.Tests.Cli;

[NonParallelizable]
public class AggregateCommandTests
{
    private CliRunner _files = null!;

    [SetUp]
    public void SetUp() => _files = new CliRunner();

    [TearDown]
    public void TearDown() => _files.Delete();

    [TestCase("mv")]
    [TestCase("wmv")]
    [TestCase("one-coin-ds")]
    [TestCase("ds")]
    [TestCase("glad")]
    public void Run_DawidSkene1979_OneRowPerPatientInItemOrder(string method)
    {
        var (code, stdout, stderr) = CliRunner.Run("aggregate", "--method", method, "--input", RepositoryData.Path("ds1979", "labels.csv"));

        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.That(lines[0], Is.EqualTo("item,label,confidence"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(Enumerable.Range(1, 45).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[1]), Is.All.AnyOf("1", "2", "3", "4"));
        Assert.That(lines.Skip(1).Select(l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)), Is.All.InRange(0.25, 1.0));
    }

    [Test]
    public void Run_WithTruth_PrintsAccuracyToStderr()
    {
        var labels = _files.File("l.csv", "item,worker,label\na,w1,x\na,w2,x\na,w3,y\nb,w1,y\nb,w2,y\nb,w3,y\nc,w1,x\n");
        var truth = _files.File("t.csv", "item,truth\na,x\nb,x\nz,y\n");

        var (code, stdout, stderr) = CliRunner.Run("aggregate", "--method", "mv", "--input", labels, "--truth", truth);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Is.EqualTo("item,label,confidence\na,x,0.666667\nb,y,1\nc,x,1\n"));
        Assert.That(stderr, Does.StartWith("accuracy 0.5000 (1/2"));
    }

    [Test]
    public void Run_WithGold_GoldItemsKeepTheirLabel()
    {
        var labels = _files.File("l.csv", "item,worker,label\n1,w1,x\n1,w2,x\n2,w1,y\n2,w2,x\n");
        var gold = _files.File("g.csv", "item,label\n1,y\n");

        var (code, stdout, _) = CliRunner.Run("aggregate", "--method", "ds", "--input", labels, "--gold", gold);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout.Split('\n')[1], Is.EqualTo("1,y,1"));
    }

    [TestCase("item,worker,label\n", "no data rows")]
    [TestCase("", "empty file")]
    [TestCase("item;worker;label\n1;a;b\n", "no 'item' column")]
    [TestCase("item,label\n1,a\n", "no 'worker' column")]
    [TestCase("item,worker,label\n\"1,a,b\n", "unterminated quoted field")]
    public void Run_BadInput_ExitsTwoWithOneLine(string content, string message)
    {
        var (code, stdout, stderr) = CliRunner.Run("aggregate", "--method", "ds", "--input", _files.File("bad.csv", content));

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.Contain(message));
        Assert.That(stderr, Does.Not.Contain(" at "));
    }

    [Test]
    public void Run_UnknownMethodOrMissingFile_ExitsTwo()
    {
        var file = _files.File("ok.csv", "item,worker,label\n1,a,b\n");

        Assert.That(CliRunner.Run("aggregate", "--method", "em", "--input", file).Code, Is.EqualTo(2));
        Assert.That(CliRunner.Run("aggregate", "--method", "ds", "--input", "/missing.csv").Code, Is.EqualTo(2));
        Assert.That(CliRunner.Run("aggregate", "--method", "ds", "--input", file, "--truth", "/missing.csv").Code, Is.EqualTo(2));
        Assert.That(CliRunner.Run("aggregate", "--method", "ds", "--input", file, "--extra", "1").Code, Is.EqualTo(2));
    }
}
