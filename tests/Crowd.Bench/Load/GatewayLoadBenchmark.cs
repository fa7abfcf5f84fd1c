using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Crowd.Cli.Auth;
using Crowd.Cli.Simulation;

namespace Crowd.Bench.Load;

/// <summary>
/// <c>./crowd bench load</c>: claim + submit pairs (or claims alone) through the gateway of a running platform, with the
/// whole pipeline behind it (assignment's outbox, RabbitMQ, consensus, slicing, payouts), against the raw SQL baseline
/// run first in the same invocation on the same PostgreSQL. Prints pairs/s, p50/p95/p99 per request kind, the non-2xx
/// answers, how long after the load stopped consensus had accepted every submission, the ratio to the baseline and the
/// issue's targets. Everything goes through the public API (docs/api.md), as a worker's app would.
/// </summary>
public static class GatewayLoadBenchmark
{
    /// <summary>Above any other batch a worker of the run might be offered (API.md: priority is -1000 to 1000).</summary>
    private const int Priority = 1000;

    private const long PriceCents = 1;
    private static readonly string[] Labels = ["nodule", "no-nodule"];

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = LoadSettings.Parse(args);
        if (!File.Exists(settings.KeyFile))
        {
            await Console.Error.WriteLineAsync($"load: no signing key at {settings.KeyFile}; run ./crowd up first (or pass --key-file)");
            return 2;
        }

        var claimsOnly = settings.ClaimsOnly;
        var workerCount = settings.Workers;
        using var control = new HttpClient { BaseAddress = settings.Gateway, Timeout = TimeSpan.FromMinutes(2) };
        if (!await ReadyAsync(control))
        {
            await Console.Error.WriteLineAsync($"load: the gateway at {settings.Gateway} is not ready; start the platform with ./crowd up");
            return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {(claimsOnly ? "claims alone" : "claim + submit pairs")}, {workerCount} workers over {settings.Connections} connections, " +
            $"{settings.Measured.TotalSeconds:F0} s measured after {settings.Warmup.TotalSeconds:F0} s warm-up; gateway {settings.Gateway.OriginalString}; " +
            $"{Environment.ProcessorCount} cores, load average {Machine.LoadAverage()}"));

        // The baseline first, while the platform is idle; then the platform's run.
        var raw = await RawClaimsBaseline.MeasureAsync(settings, pairs: !claimsOnly, claims: claimsOnly);
        var (rawResult, rawCpu) = (claimsOnly ? raw.Claims : raw.Pairs)!;

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = settings.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        var tokens = TokenIssuer.FromKeyFile(settings.KeyFile);
        var run = new LoadRun(http, control, tokens, settings, workerCount);
        await run.SetUpAsync();

        // The services' pid files are beside the key: .crowd/run of the checkout that started them.
        var cpu = CpuMeter.Start(
            Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.KeyFile))!, "run"), "crowd_slicing", "crowd_assignment", "crowd_consensus", "crowd_payouts");
        var result = await LoadPhase.RunAsync(
            claimsOnly ? "gateway claims alone" : "gateway claim + submit pairs", claimsOnly ? "claim" : "pair", settings.Connections,
            settings.Warmup, settings.Measured, (loop, recorder) => run.LoopAsync(loop, recorder, claimsOnly));
        var unit = claimsOnly ? "claims" : "pairs";
        Console.WriteLine(Machine.Invariant(
            $"gateway {(claimsOnly ? "claims alone" : "claim + submit pairs")}: {result.Rate,8:N0} {unit}/s ({result.Units:N0} in {result.Measured.TotalSeconds:F0} s)  load average {Machine.LoadAverage()}"));
        foreach (var line in result.LatencyLines())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine($"  non-2xx: {result.FailureSummary()}");
        if (result.Count("claim", 204) > 0)
        {
            Console.WriteLine(Machine.Invariant($"  warning: {result.Count("claim", 204):N0} claims found no task (204): raise --items above {settings.Items:N0}"));
        }

        if (result.Count("claim", 409) > 0 && claimsOnly)
        {
            Console.WriteLine(Machine.Invariant(
                $"  warning: {result.Count("claim", 409):N0} claims refused (409): claims alone need the open-claims limit lifted: ./crowd down, then Claims__MaxOpenClaims=1000000 RateLimits__ClaimsPerSecond=100000 RateLimits__ClaimBurst=100000 ./crowd bench load --claims-only"));
        }

        if (run.ForeignClaims > 0)
        {
            Console.WriteLine(Machine.Invariant($"  {run.ForeignClaims:N0} claims of another batch were released untouched"));
        }

        double? acceptedAfter = claimsOnly ? null : await run.WaitUntilAcceptedAsync(result.StoppedAt);
        // After consensus has caught up: the CPU a pair costs includes what it causes downstream.
        var cpuUse = cpu.Stop(result.UnitsAll);
        Console.WriteLine(cpuUse.Line(claimsOnly ? "claim" : "pair"));
        await run.ReleaseHeldClaimsAsync();
        await run.CancelBatchAsync();

        var ratio = result.Rate / rawResult.Rate;
        Console.WriteLine(Machine.Invariant($"ratio gateway / raw SQL: {result.Rate:N0} / {rawResult.Rate:N0} {unit}/s = {ratio:F3}x"));
        // What the rates' ratio would be if both were bound by this machine's cores alone: other people's load counts less.
        Console.WriteLine(Machine.Invariant(
            $"ratio by CPU per {unit[..^1]} (raw SQL / gateway): {rawCpu.Milliseconds:F2} / {cpuUse.Milliseconds:F2} ms = {rawCpu.Milliseconds / cpuUse.Milliseconds:F3}x"));
        Console.WriteLine("targets:");
        if (claimsOnly)
        {
            Console.WriteLine(Target($"claims alone ≥ 0.3x the raw claim loop: {ratio:F3}x", ratio >= 0.3));
        }
        else
        {
            Console.WriteLine(Target($"pairs ≥ 0.1x the raw SQL loop: {ratio:F3}x", ratio >= 0.1));
            var p99 = Math.Max(result.Percentile("claim", 0.99), result.Percentile("submit", 0.99));
            Console.WriteLine(Target(
                $"p99 ≤ 250 ms: claim {result.Percentile("claim", 0.99):F0} ms, submit {result.Percentile("submit", 0.99):F0} ms", p99 <= 250));
            Console.WriteLine(acceptedAfter is { } after
                ? Target($"every submission accepted ≤ 5 s after the load stopped: {after:F1} s", after <= 5)
                : Target($"every submission accepted ≤ 5 s after the load stopped: not all were accepted", met: false));
        }

        Console.WriteLine(Machine.Invariant($"load average now {Machine.LoadAverage()}"));
        return 0;
    }

    private static string Target(FormattableString text, bool met) => $"  {(met ? "met   " : "MISSED")}  {Machine.Invariant(text)}";

    private static async Task<bool> ReadyAsync(HttpClient control)
    {
        try
        {
            using var response = await control.GetAsync("/health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>One run's requester, batch and workers, and the loops that act for the workers in turn.</summary>
    private sealed class LoadRun(HttpClient http, HttpClient control, TokenIssuer tokens, LoadSettings settings, int workerCount)
    {
        private readonly string _run = Guid.NewGuid().ToString("N")[..8];
        private readonly List<CrowdClient> _workers = [];
        private CrowdClient _requester = null!;
        private Guid _batchId;
        private int _next = -1;
        private int _submitted;
        private int _foreign;

        /// <summary>The claims a claims-alone run took and holds (nothing submits them).</summary>
        private readonly ConcurrentQueue<(CrowdClient Worker, Guid ClaimId)> _held = new();

        public int ForeignClaims => _foreign;

        /// <summary>
        /// A deposit, a funded batch of one-task items (redundancy 1, threshold 0.5: one annotation decides a task, so
        /// accepted tasks count accepted submissions) that needs a qualification only this run's workers hold, and the workers.
        /// </summary>
        public async Task SetUpAsync()
        {
            var progress = new ProgressLine();
            var qualification = $"load-{_run}";
            var admin = new CrowdClient(control, tokens, $"load-ops-{_run}", "admin");
            _requester = new CrowdClient(control, tokens, $"load-requester-{_run}", "requester");

            progress.Show(Machine.Invariant($"  setting up: a batch of {settings.Items:N0} items"));
            // The maximum cost is tasks × (redundancy.max + 2) × price × (1 + fee): 3.3 cents a task here; deposit more.
            await admin.CallAsync(HttpMethod.Post, $"/v1/requesters/{_requester.Subject}/deposits",
                new { amountCents = settings.Items * 5 * PriceCents, reference = $"load-{_run}" });
            var items = Enumerable.Range(0, settings.Items).Select(i => new
            {
                externalId = Machine.Invariant($"load-{i:D5}"), contentUri = $"dicomweb://pacs.load.example/studies/{_run}/series/{i}", sliceCount = 1,
            });
            var submitted = (await _requester.CallAsync(HttpMethod.Post, "/v1/batches", new
            {
                name = $"Load run {_run}",
                modality = "CT",
                labelSchema = new { kind = "classification", classes = Labels },
                guidelinesUrl = "https://example.org/guidelines/load",
                slicing = new { mode = "per-item" },
                redundancy = new { min = 1, max = 1 },
                acceptance = new { threshold = 0.5 },
                pricePerAnnotationCents = PriceCents,
                requiredQualifications = new[] { qualification },
                priority = Priority,
                items,
            }, expected: HttpStatusCode.Accepted))!.Value;
            _batchId = submitted.GetProperty("batchId").GetGuid();
            var clock = Stopwatch.StartNew();
            while ((await _requester.GetAsync($"/v1/batches/{_batchId}")).GetProperty("status").GetString() is "pending-funding")
            {
                progress.Show(Machine.Invariant($"  setting up: batch {_batchId} waits for funding ({clock.Elapsed.TotalSeconds:F1} s)"));
                await Task.Delay(100);
            }

            var status = (await _requester.GetAsync($"/v1/batches/{_batchId}")).GetProperty("status").GetString();
            if (status != "open")
            {
                throw new InvalidOperationException($"Batch {_batchId} is {status}, not open");
            }

            _workers.AddRange(Enumerable.Range(0, workerCount).Select(i => new CrowdClient(http, tokens, Machine.Invariant($"load-{_run}-w{i:D4}"), "worker")));
            var done = 0;
            await Parallel.ForEachAsync(_workers, new ParallelOptions { MaxDegreeOfParallelism = settings.Connections }, async (worker, cancellationToken) =>
            {
                await worker.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}",
                    new { displayName = $"Load worker {worker.Subject}", timeZone = "Europe/Berlin" }, cancellationToken);
                await admin.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Subject}/qualifications", new { qualifications = new[] { qualification } }, cancellationToken);
                progress.Show(Machine.Invariant($"  setting up: worker profiles {Interlocked.Increment(ref done)}/{workerCount}"));
            });
            await WaitForPoolAsync(admin, qualification, progress);
            progress.Done();
            Console.WriteLine(Machine.Invariant(
                $"gateway run {_run}: batch {_batchId} of {settings.Items:N0} tasks (redundancy 1, priority {Priority}, qualification {qualification}), {workerCount} workers"));
        }

        /// <summary>
        /// Funding releases the batch's tasks to assignment through the outbox and RabbitMQ: a probe worker claims until a
        /// task of the batch comes (and gives it back), so that the load does not start on an empty pool.
        /// </summary>
        private async Task WaitForPoolAsync(CrowdClient admin, string qualification, ProgressLine progress)
        {
            var probe = new CrowdClient(control, tokens, $"load-{_run}-probe", "worker");
            await probe.CallAsync(HttpMethod.Put, $"/v1/workers/{probe.Subject}", new { displayName = "Load probe", timeZone = "Europe/Berlin" });
            await admin.CallAsync(HttpMethod.Put, $"/v1/workers/{probe.Subject}/qualifications", new { qualifications = new[] { qualification } });
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var claim = await probe.CallAsync(HttpMethod.Post, $"/v1/workers/{probe.Subject}/claims", expected: [HttpStatusCode.Created, HttpStatusCode.NoContent]);
                if (claim is { } task)
                {
                    await probe.CallAsync(HttpMethod.Post, $"/v1/claims/{task.GetProperty("claimId").GetGuid()}/release", expected: HttpStatusCode.NoContent);
                    if (task.GetProperty("batchId").GetGuid() == _batchId)
                    {
                        return;
                    }
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"No task of batch {_batchId} could be claimed 2 minutes after it was funded");
                }

                progress.Show(Machine.Invariant($"  setting up: waiting for the batch's tasks in the pool ({clock.Elapsed.TotalSeconds:F1} s)"));
                await Task.Delay(100);
            }
        }

        /// <summary>One connection's loop: the next worker claims, and (unless claims alone) submits an annotation of the claimed task.</summary>
        public async Task LoopAsync(int loop, Recorder recorder, bool claimsOnly)
        {
            var random = new Random(loop);
            while (recorder.Going)
            {
                var worker = _workers[(Interlocked.Increment(ref _next) & int.MaxValue) % _workers.Count];
                var started = Stopwatch.GetTimestamp();
                var (_, claim) = await SendAsync(recorder, "claim", worker, $"/v1/workers/{worker.Subject}/claims", body: null);
                if (claim is not { } task)
                {
                    continue; // 204 (no task) or a failure, counted by status
                }

                var claimId = task.GetProperty("claimId").GetGuid();
                if (task.GetProperty("batchId").GetGuid() != _batchId)
                {
                    // Not this run's task (nothing should outrank the run's batch for its workers): give it back untouched.
                    Interlocked.Increment(ref _foreign);
                    using var released = await worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claimId}/release");
                    continue;
                }

                if (claimsOnly)
                {
                    _held.Enqueue((worker, claimId));
                }
                else
                {
                    var (status, _) = await SendAsync(recorder, "submit", worker, $"/v1/claims/{claimId}/submission",
                        new { annotation = new { label = Labels[random.Next(Labels.Length)] } });
                    if (status != (int)HttpStatusCode.Accepted)
                    {
                        continue;
                    }

                    Interlocked.Increment(ref _submitted);
                }

                recorder.Done(started);
            }
        }

        /// <summary>
        /// Polls the batch until its accepted (and escalated) tasks reach the submissions the platform took (202): with
        /// redundancy 1 each submission decides one task. Returns the seconds from <paramref name="stoppedAt"/> (the last
        /// answer of the load) to the poll that saw them all, or null if that did not happen within the time allowed.
        /// </summary>
        public async Task<double?> WaitUntilAcceptedAsync(long stoppedAt)
        {
            var progress = new ProgressLine();
            var limit = TimeSpan.FromSeconds(Math.Max(120, 10 * settings.Measured.TotalSeconds));
            var submitted = Volatile.Read(ref _submitted);
            while (true)
            {
                var batch = await _requester.GetAsync($"/v1/batches/{_batchId}");
                var after = Stopwatch.GetElapsedTime(stoppedAt);
                var (accepted, escalated) = (batch.GetProperty("acceptedCount").GetInt32(), batch.GetProperty("escalatedCount").GetInt32());
                if (accepted + escalated >= submitted || after > limit)
                {
                    progress.Done();
                    var all = accepted + escalated >= submitted;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(all ? "every submission accepted" : "NOT every submission accepted")} {after.TotalSeconds:F1} s after the load stopped: " +
                        $"{accepted:N0} accepted{(escalated > 0 ? Machine.Invariant($" + {escalated:N0} escalated to QA") : "")} of {submitted:N0} submitted"));
                    return all ? after.TotalSeconds : null;
                }

                progress.Show(Machine.Invariant($"  waiting for consensus: {accepted + escalated:N0}/{submitted:N0} accepted, {after.TotalSeconds:F1} s after the load"));
                await Task.Delay(100);
            }
        }

        /// <summary>
        /// Gives back every claim a claims-alone run holds, as a worker's app gives back what it will not do: left to run out,
        /// their leases (10 minutes by default) would expire in the middle of a later run, and the lease sweeper's work then
        /// counted against it (claims alone fell to 283 to 662 claims/s that way). Prints how many, in how long.
        /// </summary>
        public async Task ReleaseHeldClaimsAsync()
        {
            var held = _held.ToArray();
            if (held.Length == 0)
            {
                return;
            }

            var progress = new ProgressLine();
            var clock = Stopwatch.StartNew();
            var (released, refused) = (0, 0);
            await Parallel.ForEachAsync(held, new ParallelOptions { MaxDegreeOfParallelism = settings.Connections }, async (claim, cancellationToken) =>
            {
                using var response = await claim.Worker.SendAsync(HttpMethod.Post, $"/v1/claims/{claim.ClaimId}/release", cancellationToken: cancellationToken);
                _ = response.StatusCode == HttpStatusCode.NoContent ? Interlocked.Increment(ref released) : Interlocked.Increment(ref refused);
                progress.Show(Machine.Invariant($"  releasing the claims the run holds: {released + refused:N0}/{held.Length:N0}"));
            });
            progress.Done();
            Console.WriteLine(Machine.Invariant(
                $"released {released:N0} of the {held.Length:N0} claims the run held in {clock.Elapsed.TotalSeconds:F1} s{(refused > 0 ? Machine.Invariant($" ({refused:N0} refused: their leases run out)") : "")}"));
        }

        /// <summary>The rest of the batch leaves the pool and its escrow returns (API.md: cancel).</summary>
        public async Task CancelBatchAsync() => await _requester.CallAsync(HttpMethod.Post, $"/v1/batches/{_batchId}/cancel", expected: HttpStatusCode.Accepted);

        /// <summary>Sends one worker request and records it; the body of a 201 (a claim) is returned.</summary>
        private static async Task<(int Status, JsonElement? Created)> SendAsync(Recorder recorder, string kind, CrowdClient worker, string path, object? body)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await worker.SendAsync(HttpMethod.Post, path, body);
                var content = await response.Content.ReadAsByteArrayAsync();
                var status = (int)response.StatusCode;
                recorder.Request(kind, started, status);
                return (status, status == (int)HttpStatusCode.Created ? JsonDocument.Parse(content).RootElement.Clone() : null);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                recorder.Request(kind, started, 0);
                return (0, null);
            }
        }
    }
}
