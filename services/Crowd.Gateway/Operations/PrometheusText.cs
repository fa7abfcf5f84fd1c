using System.Globalization;
using System.Text;

namespace Crowd.Gateway.Operations;

/// <summary>One sample of the Prometheus text format: <c>name{label="value",...} 12.5</c>.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4) that every service's <c>/metrics</c> writes: comment and
/// blank lines skipped, label values unescaped (<c>\\</c>, <c>\"</c>, <c>\n</c>), an optional timestamp ignored. A line it
/// cannot read is skipped rather than failing the whole scrape: one odd series must not hide the others.
/// </summary>
public static class PrometheusText
{
    public static IEnumerable<MetricSample> Parse(string text)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (TryParseLine(line) is { } sample)
            {
                yield return sample;
            }
        }
    }

    private static MetricSample? TryParseLine(string line)
    {
        var nameEnd = line.IndexOfAny(['{', ' ']);
        if (nameEnd <= 0)
        {
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = nameEnd;
        if (line[nameEnd] == '{')
        {
            rest = ReadLabels(line, nameEnd + 1, labels);
            if (rest < 0)
            {
                return null;
            }
        }

        var fields = line[rest..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 1 && TryParseValue(fields[0], out var value) ? new MetricSample(line[..nameEnd], labels, value) : null;
    }

    /// <summary>Reads <c>key="value",...}</c> from <paramref name="at"/>; the index after the closing brace, or -1.</summary>
    private static int ReadLabels(string line, int at, Dictionary<string, string> labels)
    {
        while (at < line.Length)
        {
            if (line[at] == '}')
            {
                return at + 1;
            }

            var equals = line.IndexOf('=', at);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                return -1;
            }

            var key = line[at..equals].Trim().TrimStart(',').Trim();
            var value = new StringBuilder();
            var i = equals + 2;
            for (; i < line.Length && line[i] != '"'; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }
            }

            if (i >= line.Length)
            {
                return -1;
            }

            labels[key] = value.ToString();
            at = i + 1;
            if (at < line.Length && line[at] == ',')
            {
                at++;
            }
        }

        return -1;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
