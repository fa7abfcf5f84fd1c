using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;
using Crowd.Testing;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// Processes die mid-flight (SIGKILL, no graceful shutdown) while workers keep submitting: when they come back, every
/// accepted annotation is decided, every task is final exactly once, and every annotation is paid exactly once.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public sealed class ProcessFailureTests
{
    private MarketplaceReport _report = null!;
    private readonly List<string> _killed = [];

    [OneTimeSetUp]
    public async Task RunMarketplaceWhileKillingProcessesAsync()
    {
        var options = MarketplaceChecks.FaultRun(TimeSpan.FromMinutes(5));
        var chaos = new KillOnce(this);
        _report = await new Marketplace(CrowdFixture.Http, CrowdFixture.Crowd.Tokens, options).RunAsync(chaos);
        await chaos.Done;
        TestContext.Progress.WriteLine($"killed {string.Join(", ", _killed)}; {_report.Annotations} annotations, {_report.Elapsed.TotalSeconds:F1} s");
        TestContext.Progress.WriteLine(await MarketplaceChecks.ReconciliationAsync(CrowdFixture.Crowd, _report));
    }

    /// <summary>
    /// Every process behind the gateway. Workers whose claim or submission meets a dead assignment ask again, as a
    /// worker's app would; a submission whose answer was lost is known to be taken by the 409 its retry gets.
    /// </summary>
    private static readonly string[] Victims = ["Slicing", "Assignment", "Consensus", "Payouts"];

    /// <summary>Once a third of the annotations are in, kills the victims and restarts them a few seconds later.</summary>
    private sealed class KillOnce(ProcessFailureTests test) : IProgress<BatchProgress>
    {
        private int _fired;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;

        public void Report(BatchProgress value)
        {
            if (value.AnnotationCount < 60 || Interlocked.Exchange(ref _fired, 1) == 1)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    foreach (var service in Victims)
                    {
                        CrowdFixture.Crowd.Kill(service);
                        test._killed.Add(service);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(3)); // workers keep submitting into the queues meanwhile
                    foreach (var service in Victims)
                    {
                        await CrowdFixture.Crowd.RestartAsync(service);
                    }

                    _done.SetResult();
                }
                catch (Exception exception)
                {
                    _done.SetException(exception);
                }
            });
        }
    }

    [Test]
    public void Batch_AfterProcessesWereKilled_Completes()
    {
        Assert.That(_killed, Is.EqualTo(Victims), "the kill must have happened mid-run");
        Assert.That(_report.Status, Is.EqualTo("completed"));
    }

    [Test]
    public void Results_AfterProcessesWereKilled_OneFinalLabelPerTask()
    {
        MarketplaceChecks.CompletedWithOneFinalLabelPerTask(_report, 60);
    }

    [Test]
    public async Task Audit_AfterProcessesWereKilled_ChainIsIntactAndEveryAnnotationIsPaidOnTheRecord()
    {
        var admin = CrowdFixture.As("admin");
        var verification = await admin.GetAsync("/v1/audit/verify");
        Assert.That(verification.GetProperty("valid").GetBoolean(), Is.True);

        // Each reward is one money movement, so one audit event on its annotation; the kills lost none and doubled none.
        // Audit events travel after the money they record, so wait for them; a doubled one would never equal the count.
        await Eventually.WaitForAsync(
            () => CrowdFixture.ScalarAsync("Payouts",
                $"SELECT count(*) FROM audit_events WHERE action = 'money.reward' AND detail LIKE 'reward:%batch:{_report.BatchId}:escrow%'"),
            rewards => rewards == _report.Annotations, TimeSpan.FromSeconds(30), "one reward event per annotation");
        Assert.That((await admin.GetAsync("/v1/audit/verify")).GetProperty("valid").GetBoolean(), Is.True);
    }

    [Test]
    public void Money_AfterProcessesWereKilled_EveryAnnotationPaidExactlyOnce()
    {
        MarketplaceChecks.EveryAnnotationPaidExactlyOnce(_report);
    }
}
