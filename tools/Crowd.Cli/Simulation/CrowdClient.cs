using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Crowd.Cli.Auth;

namespace Crowd.Cli.Simulation;

/// <summary>The public HTTP API as one caller sees it: every call goes through the gateway with that caller's token.</summary>
public sealed class CrowdClient(HttpClient http, TokenIssuer tokens, string subject, params string[] roles)
{
    private readonly string _token = tokens.Issue(subject, roles);

    public string Subject => subject;

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web);
        }

        return http.SendAsync(request, cancellationToken);
    }

    /// <summary>Sends and reads the JSON answer, failing with the problem details text on any status but the expected ones.</summary>
    public async Task<JsonElement?> CallAsync(HttpMethod method, string path, object? body = null, CancellationToken cancellationToken = default, params HttpStatusCode[] expected)
    {
        using var response = await SendAsync(method, path, body, cancellationToken: cancellationToken);
        return await ReadAsync(method, path, response, expected, cancellationToken);
    }

    /// <summary>As <see cref="CallAsync"/>, with an <c>Idempotency-Key</c>: a write that a retry may send twice is applied once.</summary>
    public async Task<JsonElement?> CallOnceAsync(
        HttpMethod method, string path, object body, string idempotencyKey, CancellationToken cancellationToken = default, params HttpStatusCode[] expected)
    {
        using var response = await SendAsync(method, path, body, idempotencyKey, cancellationToken);
        return await ReadAsync(method, path, response, expected, cancellationToken);
    }

    private static async Task<JsonElement?> ReadAsync(HttpMethod method, string path, HttpResponseMessage response, HttpStatusCode[] expected, CancellationToken cancellationToken)
    {
        var ok = expected.Length == 0 ? response.IsSuccessStatusCode : expected.Contains(response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!ok)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        return string.IsNullOrWhiteSpace(text) ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken = default) =>
        (await CallAsync(HttpMethod.Get, path, cancellationToken: cancellationToken))!.Value;
}
