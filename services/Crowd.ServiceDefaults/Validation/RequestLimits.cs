using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Crowd.ServiceDefaults.Validation;

/// <summary>
/// API.md's "Limits" that hold for every request, checked before any endpoint reads it: a body of at most 32 MiB (413),
/// JSON nested at most 64 levels, no NUL or other control character in any string or key (tab, newline and carriage
/// return only in free text), none in a query parameter, and an <c>Idempotency-Key</c> of 1 to 255 printable ASCII characters. Each refusal is a
/// 400 problem naming the field (<c>items[3].externalId</c>), and nothing is stored. Per-field lengths belong to each
/// request's validator.
/// </summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 32L * 1024 * 1024;
    public const int MaxJsonDepth = 64;
    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>Fields whose text may hold tab, newline and carriage return: what people write, and requesters' own metadata.</summary>
    private static readonly HashSet<string> FreeText = new(StringComparer.Ordinal) { "note", "metadata", "description" };

    public static WebApplicationBuilder AddRequestLimits(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        return builder;
    }

    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (IdempotencyKeyProblem(context.Request) is { } keyProblem)
            {
                await keyProblem.ExecuteAsync(context);
                return;
            }

            if (QueryProblem(context.Request) is { } queryProblem)
            {
                await queryProblem.ExecuteAsync(context);
                return;
            }

            if (IsJson(context.Request) && await JsonBodyProblemAsync(context.Request) is { } bodyProblem)
            {
                await bodyProblem.ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    private static ValidationProblem? IdempotencyKeyProblem(HttpRequest request)
    {
        if (!request.Headers.TryGetValue("Idempotency-Key", out var values))
        {
            return null;
        }

        var key = values.ToString();
        var printable = key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(c => c is >= ' ' and <= '~');
        return printable ? null : Problem("Idempotency-Key", $"Must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters.");
    }

    /// <summary>A query parameter (its name or a value) holding NUL or another control character: no filter of the API takes one.</summary>
    private static ValidationProblem? QueryProblem(HttpRequest request)
    {
        foreach (var (name, values) in request.Query)
        {
            if ((Misfit(name, freeText: false) ?? values.Select(v => v is null ? null : Misfit(v, freeText: false)).FirstOrDefault(m => m is not null)) is { } misfit)
            {
                return Problem(Misfit(name, freeText: false) is null ? name : "query", $"A query parameter must not contain {misfit}.");
            }
        }

        return null;
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type
        && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || type.Contains("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads the body once (kept for the endpoint, which reads it again) and walks it token by token. Raw control
    /// characters are not valid JSON at all; escaped ones (<c>\u0000</c>, <c>\n</c>) are decoded and tested, as are DEL
    /// and the C1 controls, which JSON allows raw.
    /// </summary>
    private static async Task<ValidationProblem?> JsonBodyProblemAsync(HttpRequest request)
    {
        request.EnableBuffering();
        ReadOnlySequence<byte> body;
        using (var copy = new MemoryStream())
        {
            await request.Body.CopyToAsync(copy, request.HttpContext.RequestAborted);
            request.Body.Position = 0;
            if (copy.Length == 0)
            {
                return null;
            }

            body = new ReadOnlySequence<byte>(copy.GetBuffer(), 0, (int)copy.Length);
        }

        var path = new List<Frame>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxJsonDepth });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        path.Add(new Frame(IsArray: false));
                        break;
                    case JsonTokenType.StartArray:
                        path.Add(new Frame(IsArray: true));
                        break;
                    case JsonTokenType.PropertyName:
                        path[^1].Name = reader.GetString();
                        if (Misfit(path[^1].Name!, freeText: false) is { } keyMisfit)
                        {
                            return Problem(Describe(path), $"A key must not contain {keyMisfit}.");
                        }

                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        ValueEnded(path);
                        break;
                    case JsonTokenType.String when Misfit(reader.GetString()!, InFreeText(path)) is { } misfit:
                        return Problem(Describe(path), $"Text must not contain {misfit}.");
                    default:
                        ValueEnded(path);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var tooDeep = reader.CurrentDepth >= MaxJsonDepth;
            return Problem(Describe(path), tooDeep ? $"JSON may be nested at most {MaxJsonDepth} levels." : $"Not valid JSON: {e.Message.Split('.')[0]}.");
        }

        return null;
    }

    /// <summary>An object being read (the property whose value comes next) or an array (the index of the element being read).</summary>
    private sealed class Frame(bool IsArray)
    {
        public bool IsArray { get; } = IsArray;

        public string? Name { get; set; }

        public int Index { get; set; }
    }

    /// <summary>A value has ended: in an array, the next element comes.</summary>
    private static void ValueEnded(List<Frame> path)
    {
        if (path.Count > 0 && path[^1].IsArray)
        {
            path[^1].Index++;
        }
    }

    private static bool InFreeText(List<Frame> path) => path.Any(frame => frame.Name is { } name && FreeText.Contains(name));

    /// <summary>The API's field path: <c>items[3].metadata.site</c>; <c>body</c> at the top.</summary>
    private static string Describe(List<Frame> path)
    {
        var text = new StringBuilder();
        foreach (var frame in path)
        {
            if (frame.IsArray)
            {
                text.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Name is { } name)
            {
                text.Append(text.Length == 0 ? "" : ".").Append(name);
            }
        }

        return text.Length == 0 ? "body" : text.ToString();
    }

    /// <summary>What is wrong with <paramref name="text"/>, or null: NUL, or a control character other than free text's three.</summary>
    private static string? Misfit(string text, bool freeText)
    {
        foreach (var c in text)
        {
            if (c == '\0')
            {
                return "NUL";
            }

            if (char.IsControl(c) && !(freeText && c is '\t' or '\n' or '\r'))
            {
                return $"control characters (U+{(int)c:X4})";
            }
        }

        return null;
    }

    private static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
