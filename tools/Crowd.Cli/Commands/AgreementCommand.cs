using System.Globalization;
using System.Text;
using System.Text.Json;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Agreement;

namespace Crowd.Cli.Commands;

/// <summary><c>crowd agreement --metric M --input FILE</c>: inter-annotator agreement over a long-format CSV.</summary>
/// <remarks>
/// Prints one JSON object <c>{ "metric", "value", "items", "workers", "perClass" }</c>. <c>items</c> counts the items
/// that entered the statistic (rated by both workers for Cohen, at least two ratings otherwise); <c>perClass</c> holds
/// Fleiss' per-category kappa and is null for the other metrics. Weighted Cohen's kappa weights classes by rank: numeric
/// order when every label is a number, otherwise ordinal string order. A value that is undefined (no variation) is null.
/// </remarks>
public static class AgreementCommand
{
    private const int MaxKappaCategories = 1000;

    public static CommandSyntax Syntax { get; } = new(
        "crowd agreement --metric cohen|cohen-linear|cohen-quadratic|fleiss|alpha-nominal|alpha-ordinal|alpha-interval|alpha-ratio --input FILE",
        ["metric", "input"]);

    public static int Run(CommandLine options)
    {
        try
        {
            var metric = options.Required("metric");
            var input = options.Required("input");
            if (!IsMetric(metric))
            {
                throw new UsageException($"unknown metric '{metric}'; usage: {Syntax.Usage}");
            }

            var table = CrowdCsv.ReadLabels(input).Build();
            var (value, items, perClass) = Compute(metric, table, input);
            using var buffer = new MemoryStream();
            using var json = new Utf8JsonWriter(buffer);
            json.WriteStartObject();
            json.WriteString("metric", metric);
            WriteNumber(json, "value", value);
            json.WriteNumber("items", items);
            json.WriteNumber("workers", CountActiveWorkers(table.Labels));
            if (perClass is null)
            {
                json.WriteNull("perClass");
            }
            else
            {
                json.WriteStartObject("perClass");
                for (var c = 0; c < perClass.Count; c++)
                {
                    WriteNumber(json, table.ClassNames[c], perClass[c]);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.Flush();
            Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            return 0;
        }
        catch (Exception e) when (e is UsageException or CsvFormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"agreement: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect, not bad input: still one line (the contract is no stack traces), exit code 1.
            Console.Error.WriteLine($"agreement: internal error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static bool IsMetric(string metric) => metric is "cohen" or "cohen-linear" or "cohen-quadratic" or "fleiss"
        or "alpha-nominal" or "alpha-ordinal" or "alpha-interval" or "alpha-ratio";

    private static (double Value, int Items, IReadOnlyList<double>? PerClass) Compute(string metric, LabelTable table, string input)
    {
        var data = table.Labels;
        if (data.Count == 0)
        {
            throw new CsvFormatException($"{input}: no labels (every label is empty)");
        }

        if (data.ClassCount > MaxKappaCategories && !metric.StartsWith("alpha", StringComparison.Ordinal))
        {
            throw new CsvFormatException($"{input}: {data.ClassCount} distinct labels; kappa is for at most {MaxKappaCategories} categories (use an alpha metric for measurements)");
        }

        switch (metric)
        {
            case "fleiss":
                {
                    var result = FleissKappa.Compute(data);
                    return (result.Kappa, result.Items, result.PerCategory);
                }

            case "cohen" or "cohen-linear" or "cohen-quadratic":
                return Cohen(metric, table, input);

            default:
                {
                    var alphaMetric = metric switch
                    {
                        "alpha-nominal" => AlphaMetric.Nominal,
                        "alpha-ordinal" => AlphaMetric.Ordinal,
                        "alpha-interval" => AlphaMetric.Interval,
                        _ => AlphaMetric.Ratio,
                    };
                    var values = ClassValues(table, alphaMetric, input);
                    var units = new List<double[]>(data.ItemCount);
                    var start = data.ItemStart;
                    var labels = data.Labels;
                    for (var i = 0; i < data.ItemCount; i++)
                    {
                        var unit = new double[start[i + 1] - start[i]];
                        for (var r = start[i]; r < start[i + 1]; r++)
                        {
                            unit[r - start[i]] = values[labels[r]];
                        }

                        units.Add(unit);
                    }

                    var result = KrippendorffAlpha.FromUnits(units, alphaMetric);
                    return (result.Alpha, result.Units, null);
                }
        }
    }

    private static double[] ClassValues(LabelTable table, AlphaMetric metric, string input)
    {
        var values = new double[table.ClassNames.Count];
        for (var c = 0; c < values.Length; c++)
        {
            if (metric == AlphaMetric.Nominal)
            {
                values[c] = c;
                continue;
            }

            if (!double.TryParse(table.ClassNames[c], NumberStyles.Float, CultureInfo.InvariantCulture, out values[c]) || !double.IsFinite(values[c]))
            {
                throw new CsvFormatException($"{input}: label '{table.ClassNames[c]}' is not a number, and alpha-{metric.ToString().ToLowerInvariant()} needs numeric labels");
            }

            if (metric == AlphaMetric.Ratio && values[c] < 0)
            {
                throw new CsvFormatException($"{input}: label '{table.ClassNames[c]}' is negative, and alpha-ratio needs non-negative labels");
            }
        }

        return values;
    }

    private static (double Value, int Items, IReadOnlyList<double>? PerClass) Cohen(string metric, LabelTable table, string input)
    {
        var data = table.Labels;
        var active = CountActiveWorkers(data);
        if (active != 2)
        {
            throw new CsvFormatException($"{input}: Cohen's kappa needs exactly two workers, found {active}");
        }

        var first = -1;
        var a = new int[data.ItemCount];
        var b = new int[data.ItemCount];
        Array.Fill(a, -1);
        Array.Fill(b, -1);
        var start = data.ItemStart;
        for (var i = 0; i < data.ItemCount; i++)
        {
            for (var r = start[i]; r < start[i + 1]; r++)
            {
                var w = data.Workers[r];
                if (first < 0)
                {
                    first = w;
                }

                var target = w == first ? a : b;
                if (target[i] >= 0)
                {
                    throw new CsvFormatException(
                        $"{input}: worker '{table.WorkerNames[w]}' labelled item '{table.ItemNames[i]}' more than once; Cohen's kappa needs one label per worker and item");
                }

                target[i] = data.Labels[r];
            }
        }

        var both = 0;
        for (var i = 0; i < a.Length; i++)
        {
            both += a[i] >= 0 && b[i] >= 0 ? 1 : 0;
        }

        var weighting = metric switch
        {
            "cohen-linear" => KappaWeighting.Linear,
            "cohen-quadratic" => KappaWeighting.Quadratic,
            _ => KappaWeighting.Unweighted,
        };
        return (CohenKappa.Compute(a, b, data.ClassCount, weighting), both, null);
    }

    private static int CountActiveWorkers(CrowdLabels data)
    {
        var seen = new bool[data.WorkerCount];
        var count = 0;
        foreach (var w in data.Workers)
        {
            if (!seen[w])
            {
                seen[w] = true;
                count++;
            }
        }

        return count;
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, Math.Round(value, 10));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
