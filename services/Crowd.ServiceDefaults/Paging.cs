using Crowd.ServiceDefaults.Errors;

namespace Crowd.ServiceDefaults;

/// <summary>API.md's paged list: <c>{ "items": [...], "next": "cursor-or-null" }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary><c>?limit=</c>: 100 when absent, 1 to 1000 otherwise.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => limit.Value,
        _ => throw new UnprocessableException("limit", $"Must be between 1 and {MaxLimit}."),
    };
}
