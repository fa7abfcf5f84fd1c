namespace Crowd.ServiceDefaults;

/// <summary>CSV downloads of the API (RFC 4180): one escape rule for every service that offers <c>?format=csv</c>.</summary>
public static class Csv
{
    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
