using System.Collections.Concurrent;
using System.Text.Json;

namespace Crowd.Data.Outbox;

/// <summary>How outbox rows name and encode their messages: the type's full name and assembly, and web JSON.</summary>
internal static class MessageTypes
{
    private static readonly ConcurrentDictionary<string, Type> Resolved = new(StringComparer.Ordinal);

    public static JsonSerializerOptions Json => JsonSerializerOptions.Web;

    public static string NameOf(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    public static Type Resolve(string name) =>
        Resolved.GetOrAdd(name, n => Type.GetType(n, throwOnError: true)!);
}
