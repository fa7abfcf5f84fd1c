using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Two instances of every service behind one gateway; mid-batch one instance of each is SIGKILLed and stays dead. The
/// gateway takes the dead ones out, the survivors carry the batch (requests, consumers, the relays, the lease sweeper)
/// to the end: no annotation lost, none paid twice, one final label per task.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ReplicaTests
{
    /// <summary>First instances of some services and second of others: neither kind is special.</summary>
    private static readonly string[] Victims = ["Slicing.2", "Assignment", "Consensus.2", "Payouts"];

    private CrowdProcesses _crowd = null!;
    private HttpClient _patient = null!;
    private MarketplaceReport _report = null!;
    private readonly List<string> _killed = [];

    [OneTimeSetUp]
    public async Task RunBatchOnTwoInstancesKillingOneOfEachAsync()
    {
        _crowd = await CrowdProcesses.StartAsync(new Dictionary<string, string>
        {
            ["Lease__Duration"] = "00:00:10",
            ["Lease__SweepInterval"] = "00:00:01",
        }, replicas: 2);
        _patient = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(1));
        var options = MarketplaceChecks.FaultRun(TimeSpan.FromMinutes(5));
        _report = await new Marketplace(_patient, _crowd.Tokens, options).RunAsync(new KillOnce(this));
        TestContext.Progress.WriteLine($"killed {string.Join(", ", _killed)}; {_report.Annotations} annotations, {_report.Elapsed.TotalSeconds:F1} s");
        TestContext.Progress.WriteLine(await MarketplaceChecks.ReconciliationAsync(_crowd, _report));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _patient?.Dispose();
        if (_crowd is not null)
        {
            await _crowd.DisposeAsync();
        }
    }

    /// <summary>Once 40 annotations are in, kills one instance of each service; none is restarted.</summary>
    private sealed class KillOnce(ReplicaTests test) : IProgress<BatchProgress>
    {
        private int _fired;

        public void Report(BatchProgress value)
        {
            if (value.AnnotationCount < 40 || Interlocked.Exchange(ref _fired, 1) == 1)
            {
                return;
            }

            foreach (var instance in Victims)
            {
                test._crowd.Kill(instance);
                test._killed.Add(instance);
            }
        }
    }

    [Test]
    public void Batch_WithOneInstanceOfEachServiceKilled_CompletesWithOneFinalLabelPerTask()
    {
        Assert.That(_killed, Is.EqualTo(Victims), "the kill must have happened mid-run");
        MarketplaceChecks.CompletedWithOneFinalLabelPerTask(_report, 60);
    }

    [Test]
    public void Money_WithOneInstanceOfEachServiceKilled_EveryAnnotationPaidExactlyOnce()
    {
        MarketplaceChecks.EveryAnnotationPaidExactlyOnce(_report);
    }
}
