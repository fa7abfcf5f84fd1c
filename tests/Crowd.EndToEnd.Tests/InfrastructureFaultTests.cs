using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Crowd.Cli.Simulation;
using Crowd.EndToEnd.Tests.Infrastructure;

namespace Crowd.EndToEnd.Tests;

/// <summary>
/// The broker and then the database are SIGKILLed mid-batch and brought back by the scripts <c>./crowd up</c> runs, on
/// a PostgreSQL and a RabbitMQ of this test's own. While the broker is away the API keeps answering and writes commit (to
/// the outbox), and a service restarted meanwhile starts without it; while the database is away the API answers 503 with
/// <c>Retry-After</c>, never 500. Afterwards the batch completes, every annotation is paid once, and the ledger balances.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public sealed class InfrastructureFaultTests
{
    private PrivateInfrastructure _infrastructure = null!;
    private CrowdProcesses _crowd = null!;
    private HttpClient _patient = null!;
    private MarketplaceReport _report = null!;
    private readonly Chaos _chaos = new();

    [OneTimeSetUp]
    public async Task RunBatchWhileKillingBrokerAndDatabaseAsync()
    {
        _infrastructure = await PrivateInfrastructure.StartAsync();
        _crowd = await CrowdProcesses.StartAsync(new Dictionary<string, string>
        {
            ["Lease__Duration"] = "00:00:10",
            ["Lease__SweepInterval"] = "00:00:01",
        }, _infrastructure.Servers);
        _patient = PatientHttp.CreateClient(_crowd.Gateway, giveUpAfter: TimeSpan.FromMinutes(2));
        var options = MarketplaceChecks.FaultRun(TimeSpan.FromMinutes(6));
        _chaos.Start(this);
        _report = await new Marketplace(_patient, _crowd.Tokens, options).RunAsync(_chaos);
        await _chaos.Done;
        TestContext.Progress.WriteLine(
            $"{_report.Annotations} annotations in {_report.Elapsed.TotalSeconds:F1} s; during the database outage the API answered " +
            string.Join(", ", _chaos.DatabaseOutageAnswers.GroupBy(a => a.Status).Select(g => $"{g.Count()}× {(int)g.Key}")));
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

        if (_infrastructure is not null)
        {
            await _infrastructure.DisposeAsync();
        }
    }

    [Test]
    public void Batch_AfterBrokerAndDatabaseWereKilled_Completes()
    {
        Assert.That(_chaos.Phases, Is.EqualTo(new[] { "broker killed", "broker back", "database killed", "database back" }),
            "both outages must have happened mid-run");
        MarketplaceChecks.CompletedWithOneFinalLabelPerTask(_report, 60);
    }

    [Test]
    public void Api_WhileTheBrokerIsAway_AnswersAndCommitsWrites()
    {
        Assert.That(_chaos.BrokerOutageWrite, Is.EqualTo(HttpStatusCode.OK), "a profile written while the broker was away");
        Assert.That(_chaos.BrokerOutageRead, Is.EqualTo("Written without a broker"), "the write was committed");
        Assert.That(_chaos.RestartedWithoutBroker, Is.True, "consensus, restarted while the broker was away, became ready");
    }

    [Test]
    public void Api_WhileTheDatabaseIsAway_Answers503WithRetryAfterNever500()
    {
        var answers = _chaos.DatabaseOutageAnswers.ToList();
        Assert.That(answers.Select(a => a.Status), Has.Some.EqualTo(HttpStatusCode.ServiceUnavailable), "the outage was seen");
        Assert.Multiple(() =>
        {
            foreach (var answer in answers)
            {
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.ServiceUnavailable));
                if (answer.Status == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.That(answer.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), "503 carries Retry-After");
                    Assert.That(answer.MediaType, Is.EqualTo("application/problem+json"));
                }
            }
        });
    }

    [Test]
    public void Money_AfterBrokerAndDatabaseWereKilled_EveryAnnotationPaidExactlyOnce()
    {
        MarketplaceChecks.EveryAnnotationPaidExactlyOnce(_report);
    }

    private sealed record Answer(HttpStatusCode Status, RetryConditionHeaderValue? RetryAfter, string? MediaType);

    /// <summary>
    /// Once 40 annotations are in: the broker is killed, a write and a restart are tried without it, and it comes back
    /// 5 s later. Once 120 are in: the database is killed, the API is asked (without retries) what it answers, and the
    /// database comes back 5 s later. Workers keep claiming and submitting throughout, through a patient client.
    /// </summary>
    private sealed class Chaos : IProgress<BatchProgress>
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reachedBrokerPhase = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reachedDatabasePhase = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;
        public ConcurrentQueue<string> Phases { get; } = new();
        public ConcurrentQueue<Answer> DatabaseOutageAnswers { get; } = new();
        public HttpStatusCode? BrokerOutageWrite { get; private set; }
        public string? BrokerOutageRead { get; private set; }
        public bool RestartedWithoutBroker { get; private set; }

        public void Report(BatchProgress value)
        {
            if (value.AnnotationCount >= 40)
            {
                _reachedBrokerPhase.TrySetResult();
            }

            if (value.AnnotationCount >= 120)
            {
                _reachedDatabasePhase.TrySetResult();
            }
        }

        public void Start(InfrastructureFaultTests test) => _ = Task.Run(async () =>
        {
            try
            {
                await _reachedBrokerPhase.Task;
                await BrokerOutageAsync(test);
                await _reachedDatabasePhase.Task;
                await DatabaseOutageAsync(test);
                _done.SetResult();
            }
            catch (Exception exception)
            {
                _done.SetException(exception);
            }
        });

        private async Task BrokerOutageAsync(InfrastructureFaultTests test)
        {
            test._infrastructure.KillRabbit();
            Phases.Enqueue("broker killed");
            using var direct = new HttpClient { BaseAddress = test._crowd.Gateway, Timeout = TimeSpan.FromSeconds(10) };
            var worker = $"worker-no-broker-{Guid.NewGuid():N}"[..28];
            var token = test._crowd.Tokens.Issue(worker, ["worker"]);
            using (var write = new HttpRequestMessage(HttpMethod.Put, $"/v1/workers/{worker}")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { displayName = "Written without a broker", timeZone = "UTC" }),
            })
            {
                write.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await direct.SendAsync(write);
                BrokerOutageWrite = response.StatusCode;
            }

            using (var read = new HttpRequestMessage(HttpMethod.Get, $"/v1/workers/{worker}"))
            {
                read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await direct.SendAsync(read);
                var profile = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                BrokerOutageRead = profile.TryGetProperty("displayName", out var name) ? name.GetString() : response.StatusCode.ToString();
            }

            test._crowd.Kill("Consensus");
            await test._crowd.RestartAsync("Consensus", waitForBroker: false);
            RestartedWithoutBroker = true;
            await Task.Delay(TimeSpan.FromSeconds(5));
            await test._infrastructure.StartRabbitAsync();
            Phases.Enqueue("broker back");
        }

        private async Task DatabaseOutageAsync(InfrastructureFaultTests test)
        {
            test._infrastructure.KillPostgres();
            Phases.Enqueue("database killed");
            using var direct = new HttpClient { BaseAddress = test._crowd.Gateway, Timeout = TimeSpan.FromSeconds(10) };
            // One read of each service, as its callers would make it; 404 is what an answering database says of these.
            var probes = new (string Path, string Token)[]
            {
                ($"/v1/batches/{Guid.NewGuid()}", test._crowd.Tokens.Issue("requester-probe", ["requester"])),
                ("/v1/workers/worker-probe", test._crowd.Tokens.Issue("worker-probe", ["worker"])),
                ("/v1/disagreements?status=open", test._crowd.Tokens.Issue("qa-probe", ["qa"])),
                ("/v1/ledger/check", test._crowd.Tokens.Issue("admin-probe", ["admin"])),
            };
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (DateTime.UtcNow < until)
            {
                foreach (var (path, token) in probes)
                {
                    using var probe = new HttpRequestMessage(HttpMethod.Get, path);
                    probe.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var response = await direct.SendAsync(probe);
                    if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        DatabaseOutageAnswers.Enqueue(new Answer(response.StatusCode, response.Headers.RetryAfter, response.Content.Headers.ContentType?.MediaType));
                    }
                }

                await Task.Delay(250);
            }

            await test._infrastructure.StartPostgresAsync();
            Phases.Enqueue("database back");
        }
    }
}
