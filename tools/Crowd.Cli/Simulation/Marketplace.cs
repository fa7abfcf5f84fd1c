using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crowd.Cli.Auth;

namespace Crowd.Cli.Simulation;

public sealed record BatchProgress(string Status, int TaskCount, int AcceptedCount, int EscalatedCount, int AnnotationCount, int ResolvedByQa, TimeSpan Elapsed);

/// <summary>
/// A simulated worker at the end of the run. <c>Submitted</c> and <c>EarnedCents</c> are this batch's (its accepted
/// annotations, and the rewards and bonuses paid for them); a shared pool may also have given the worker other
/// requesters' tasks (<c>SubmittedElsewhere</c>). <c>PendingCents</c> and <c>PayableCents</c> are the worker's whole
/// earnings, as the platform shows them.
/// </summary>
public sealed record WorkerOutcome(
    string WorkerId, double Accuracy, int Submitted, bool Suspended, long PendingCents, long PayableCents, int SubmittedElsewhere, long EarnedCents);

/// <summary>An annotation of the run's batch that the platform accepted (202), with the hidden truth it was given for.</summary>
public sealed record SubmittedAnnotation(Guid TaskId, string WorkerId, string Label, string Truth, bool IsGold);

public sealed record MarketplaceReport(
    Guid BatchId, string RequesterId, string Status, int Items, int TaskCount, int Scored, int Correct, int Annotations, int EscalatedToQa, int ResolvedByQa,
    long SpentCents, long MaxCostCents, long PriceCents, long EscrowLeftCents, IReadOnlyList<WorkerOutcome> Workers, JsonElement LedgerCheck,
    IReadOnlyList<JsonElement> Results, IReadOnlyList<SubmittedAnnotation> Submissions, TimeSpan Elapsed)
{
    public double Accuracy => Scored == 0 ? 0 : (double)Correct / Scored;

    public double AnnotationsPerItem => Items == 0 ? 0 : (double)Annotations / Items;
}

/// <summary>
/// Drives a whole marketplace through the public API only: an admin deposit, a requester's batch with a hidden
/// truth, simulated workers claiming and submitting concurrently, and a QA reviewer resolving what they could not agree on.
/// </summary>
public sealed class Marketplace(HttpClient http, TokenIssuer tokens, MarketplaceOptions options)
{
    private readonly ConcurrentDictionary<Guid, string> _truthByTask = new();
    private readonly Dictionary<string, string> _truthByUri = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _truthByExternalId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _goldUris = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SubmittedAnnotation> _submissions = new();
    private int _resolvedByQa;

    public async Task<MarketplaceReport> RunAsync(IProgress<BatchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var run = options.RunId;
        var admin = new CrowdClient(http, tokens, $"ops-{run}", "admin");
        var requester = new CrowdClient(http, tokens, $"hospital-{run}", "requester");
        var reviewer = new CrowdClient(http, tokens, $"qa-{run}", "qa");
        var random = new Random(options.Seed);

        // Keyed: a deposit or a batch the client sends again after a lost answer is applied once.
        await admin.CallOnceAsync(HttpMethod.Post, $"/v1/requesters/{requester.Subject}/deposits",
            new { amountCents = options.DepositCents, reference = $"demo-wire-{run}" }, $"deposit-{run}", cancellationToken);

        var items = Enumerable.Range(0, options.Items).Select(i =>
        {
            var (externalId, uri) = ($"case-{i:D4}", $"dicomweb://pacs.demo.example/studies/{run}/series/{i}");
            _truthByUri[uri] = _truthByExternalId[externalId] = options.Classes[random.Next(options.Classes.Count)];
            return new { externalId, contentUri = uri, sliceCount = 1 };
        }).ToList();
        var goldItems = Enumerable.Range(0, options.GoldItems).Select(i =>
        {
            var (externalId, uri) = ($"gold-{i:D4}", $"dicomweb://pacs.demo.example/studies/{run}/gold/{i}");
            var truth = _truthByUri[uri] = options.Classes[random.Next(options.Classes.Count)];
            _goldUris.Add(uri);
            return new { externalId, contentUri = uri, sliceCount = 1, truth = new { label = truth } };
        }).ToList();

        var submitted = (await requester.CallOnceAsync(HttpMethod.Post, "/v1/batches", new
        {
            name = $"Simulated chest CT triage {run}",
            modality = "CT",
            labelSchema = new { kind = "classification", classes = options.Classes },
            guidelinesUrl = "https://example.org/guidelines/nodules-v3",
            slicing = new { mode = "per-item" },
            redundancy = new { min = options.RedundancyMin, max = options.RedundancyMax },
            acceptance = new { threshold = options.Threshold },
            pricePerAnnotationCents = options.PriceCents,
            items,
            goldItems,
        }, $"batch-{run}", cancellationToken, HttpStatusCode.Accepted))!.Value;
        var batchId = submitted.GetProperty("batchId").GetGuid();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var batch = await WaitForBatchAsync(requester, batchId, s => s != "pending-funding", deadline.Token);
        if (batch.GetProperty("status").GetString() != "open")
        {
            throw new InvalidOperationException($"The batch was not funded: {batch}");
        }

        var workers = options.WorkerAccuracies.Select((accuracy, i) => new SimulatedWorker(
            new CrowdClient(http, tokens, $"worker-{run}-{i:D2}", "worker"), accuracy, new Random(options.Seed * 1000 + i))).ToList();
        foreach (var worker in workers)
        {
            await worker.Client.CallAsync(HttpMethod.Put, $"/v1/workers/{worker.Client.Subject}",
                new { displayName = $"Simulated annotator {worker.Client.Subject[^2..]}", timeZone = "Europe/Berlin" }, deadline.Token);
        }

        using var finished = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var crowd = workers.Select(w => WorkAsync(w, finished.Token)).Append(ReviewAsync(reviewer, batchId, random, finished.Token)).ToList();
        batch = await WaitForBatchAsync(requester, batchId, s => s is "completed" or "cancelled", deadline.Token, b => progress?.Report(Progress(b, clock.Elapsed)));
        await finished.CancelAsync();
        await Task.WhenAll(crowd);

        // Completion and the last payments travel separately: the books are settled once the escrow is back to zero.
        var balance = await WaitAsync(() => requester.GetAsync($"/v1/requesters/{requester.Subject}/balance", deadline.Token),
            b => b.GetProperty("escrowCents").GetInt64() == 0, deadline.Token);
        var results = await ResultsAsync(requester, batchId, deadline.Token);
        var correct = results.Count(r =>
            r.GetProperty("label").GetProperty("label").GetString() == _truthByExternalId[r.GetProperty("externalId").GetString()!]);
        var outcomes = new List<WorkerOutcome>();
        foreach (var worker in workers)
        {
            var earnings = await worker.Client.GetAsync($"/v1/workers/{worker.Client.Subject}/earnings", deadline.Token);
            // The platform's word, not the simulation's: a suspension that lands after the batch completed refused no claim.
            var profile = await admin.GetAsync($"/v1/workers/{worker.Client.Subject}", deadline.Token);
            var earnedHere = earnings.GetProperty("lines").EnumerateArray()
                .Where(line => line.GetProperty("batchId").GetGuid() == batchId).Sum(line => line.GetProperty("amountCents").GetInt64());
            outcomes.Add(new WorkerOutcome(worker.Client.Subject, worker.Accuracy, worker.Submitted, profile.GetProperty("status").GetString() == "suspended",
                earnings.GetProperty("pendingCents").GetInt64(), earnings.GetProperty("payableCents").GetInt64(), worker.SubmittedElsewhere, earnedHere));
        }

        batch = await requester.GetAsync($"/v1/batches/{batchId}", deadline.Token);
        return new MarketplaceReport(
            batchId, requester.Subject, batch.GetProperty("status").GetString()!, options.Items, batch.GetProperty("taskCount").GetInt32(), results.Count, correct,
            batch.GetProperty("annotationCount").GetInt32(), batch.GetProperty("escalatedCount").GetInt32(), _resolvedByQa,
            balance.GetProperty("spentCents").GetInt64(), batch.GetProperty("maxCostCents").GetInt64(), options.PriceCents,
            balance.GetProperty("escrowCents").GetInt64(), outcomes, await admin.GetAsync("/v1/ledger/check", deadline.Token), results,
            [.. _submissions], clock.Elapsed);
    }

    private sealed class SimulatedWorker(CrowdClient client, double accuracy, Random random)
    {
        public CrowdClient Client => client;
        public double Accuracy => accuracy;
        public Random Random => random;

        /// <summary>Annotations of this batch the platform took.</summary>
        public int Submitted;

        /// <summary>Annotations of other requesters' batches the platform took (a shared pool offers them too).</summary>
        public int SubmittedElsewhere;
    }

    /// <summary>Claim, look, answer (right with the worker's accuracy), until the batch is done; an empty pool means wait a little.</summary>
    private async Task WorkAsync(SimulatedWorker worker, CancellationToken finished)
    {
        try
        {
            while (!finished.IsCancellationRequested)
            {
                // The client retries 5xx and broken connections: a claim taken but never answered simply expires with its lease.
                var claim = await worker.Client.CallAsync(HttpMethod.Post, $"/v1/workers/{worker.Client.Subject}/claims", null, finished,
                    HttpStatusCode.Created, HttpStatusCode.NoContent, HttpStatusCode.Conflict);
                if (claim is { } refused && !refused.TryGetProperty("claimId", out _))
                {
                    // 409: the platform suspended this worker for accuracy under its floor; no more tasks for them.
                    return;
                }

                if (claim is not { } task)
                {
                    await Task.Delay(150, finished);
                    continue;
                }

                string label;
                var uri = task.GetProperty("content").GetProperty("contentUri").GetString()!;
                if (_truthByUri.TryGetValue(uri, out var truth))
                {
                    _truthByTask[task.GetProperty("taskId").GetGuid()] = truth;
                    label = worker.Random.NextDouble() < worker.Accuracy ? truth : OtherThan(truth, worker.Random);
                }
                else
                {
                    // Another requester's task in a shared pool: this simulation knows nothing of it and guesses.
                    var classes = task.GetProperty("labelSchema").GetProperty("classes").EnumerateArray().ToList();
                    label = classes[worker.Random.Next(classes.Count)].GetString()!;
                }

                if (await SubmitAsync(worker, task.GetProperty("claimId").GetGuid(), label, finished))
                {
                    // Only this batch's tasks have a truth here: another batch's work is counted apart, so that this batch's
                    // counts can be held against what the platform says of this batch.
                    if (truth is null)
                    {
                        Interlocked.Increment(ref worker.SubmittedElsewhere);
                        continue;
                    }

                    Interlocked.Increment(ref worker.Submitted);
                    _submissions.Enqueue(new SubmittedAnnotation(task.GetProperty("taskId").GetGuid(), worker.Client.Subject, label, truth, _goldUris.Contains(uri)));
                }
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Submits as a worker's app would: 202 is taken; 409 because the lease ran out (a slow worker) is not. The client
    /// retries 5xx and broken connections, and then nobody knows whether the first attempt was taken: a 409 whose
    /// problem <c>state</c> is <c>submitted</c>, after a retry, means it was.
    /// </summary>
    private static async Task<bool> SubmitAsync(SimulatedWorker worker, Guid claimId, string label, CancellationToken finished)
    {
        using var response = await worker.Client.SendAsync(
            HttpMethod.Post, $"/v1/claims/{claimId}/submission", new { annotation = new { label } }, cancellationToken: finished);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return true;
        }

        var problem = await response.Content.ReadAsStringAsync(finished);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return PatientHttp.WasRetried(response)
                && JsonDocument.Parse(problem).RootElement.TryGetProperty("state", out var state) && state.GetString() == "submitted";
        }

        throw new HttpRequestException($"submission of claim {claimId} answered {(int)response.StatusCode}: {problem}", null, response.StatusCode);
    }

    /// <summary>The QA reviewer resolves each open disagreement of the batch, right with the reviewer's accuracy.</summary>
    private async Task ReviewAsync(CrowdClient reviewer, Guid batchId, Random random, CancellationToken finished)
    {
        try
        {
            while (!finished.IsCancellationRequested)
            {
                await ResolveOpenDisagreementsAsync(reviewer, batchId, random, finished);
                await Task.Delay(250, finished);
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
        }
    }

    private async Task ResolveOpenDisagreementsAsync(CrowdClient reviewer, Guid batchId, Random random, CancellationToken finished)
    {
        var open = await reviewer.GetAsync($"/v1/disagreements?batchId={batchId}&status=open", finished);
        foreach (var disagreement in open.GetProperty("items").EnumerateArray())
        {
            var truth = _truthByTask[disagreement.GetProperty("taskId").GetGuid()];
            var label = random.NextDouble() < options.ReviewerAccuracy ? truth : OtherThan(truth, random);
            await reviewer.CallAsync(HttpMethod.Post, $"/v1/disagreements/{disagreement.GetProperty("disagreementId").GetGuid()}/resolution",
                new { label = new { label }, note = "simulated review" }, finished, HttpStatusCode.Accepted);
            Interlocked.Increment(ref _resolvedByQa);
        }
    }

    private string OtherThan(string truth, Random random)
    {
        var others = options.Classes.Where(c => c != truth).ToList();
        return others[random.Next(others.Count)];
    }

    private static async Task<JsonElement> WaitForBatchAsync(
        CrowdClient requester, Guid batchId, Func<string, bool> done, CancellationToken cancellationToken, Action<JsonElement>? onPoll = null) =>
        await WaitAsync(() => requester.GetAsync($"/v1/batches/{batchId}", cancellationToken), b =>
        {
            onPoll?.Invoke(b);
            return done(b.GetProperty("status").GetString()!);
        }, cancellationToken);

    private static async Task<JsonElement> WaitAsync(Func<Task<JsonElement>> poll, Func<JsonElement, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            var value = await poll();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task<List<JsonElement>> ResultsAsync(CrowdClient requester, Guid batchId, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await requester.GetAsync($"/v1/batches/{batchId}/results?limit=1000{(after is null ? "" : $"&after={after}")}", cancellationToken);
            rows.AddRange(page.GetProperty("items").EnumerateArray());
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        return rows;
    }

    private BatchProgress Progress(JsonElement batch, TimeSpan elapsed) => new(
        batch.GetProperty("status").GetString()!, batch.GetProperty("taskCount").GetInt32(), batch.GetProperty("acceptedCount").GetInt32(),
        batch.GetProperty("escalatedCount").GetInt32(), batch.GetProperty("annotationCount").GetInt32(), _resolvedByQa, elapsed);
}
