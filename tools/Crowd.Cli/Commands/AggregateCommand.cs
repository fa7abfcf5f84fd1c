using System.Globalization;
using System.Text;
using Crowd.Cli.Csv;
using Crowd.Consensus.Engine;
using Crowd.Consensus.Engine.Aggregation;

namespace Crowd.Cli.Commands;

/// <summary><c>crowd aggregate --method M --input FILE</c>: one label per item from crowd labels.</summary>
/// <remarks>
/// Prints CSV <c>item,label,confidence</c>, one row per item that has at least one label, in item order (numeric when
/// every item id is an integer, otherwise ordinal). <c>--gold FILE</c> (<c>item,label</c> or <c>item,truth</c>) clamps
/// known items in the EM methods and fixes their output to the gold label with confidence 1. <c>--truth FILE</c>
/// (<c>item,truth</c>) prints the accuracy over items with both a truth and a label to stderr.
/// </remarks>
public static class AggregateCommand
{
    /// <summary>Per-worker confusion matrices grow with the square of the class count; beyond this the input is not classification.</summary>
    private const int MaxClasses = 1000;

    public static CommandSyntax Syntax { get; } = new(
        "crowd aggregate --method mv|wmv|one-coin-ds|ds|glad --input FILE [--gold FILE] [--truth FILE]", ["method", "input", "gold", "truth"]);

    public static int Run(CommandLine options)
    {
        try
        {
            var methodName = options.Required("method");
            if (!Aggregator.TryParse(methodName, out var method))
            {
                throw new UsageException($"unknown method '{methodName}'; usage: {Syntax.Usage}");
            }

            var input = options.Required("input");
            var goldPath = options.One("gold");
            var truthPath = options.One("truth");
            var builder = CrowdCsv.ReadLabels(input);
            var goldByName = goldPath is null ? null : CrowdCsv.ReadTruth(goldPath);
            var truth = truthPath is null ? null : CrowdCsv.ReadTruth(truthPath);
            if (goldByName is not null)
            {
                foreach (var label in goldByName.Values)
                {
                    builder.AddClass(label);
                }
            }

            var table = builder.Build();
            var data = table.Labels;
            if (data.Count == 0)
            {
                throw new CsvFormatException($"{input}: no labels (every label is empty)");
            }

            if (data.ClassCount > MaxClasses)
            {
                throw new CsvFormatException($"{input}: {data.ClassCount} distinct labels; aggregation is for classification with at most {MaxClasses} classes");
            }

            int[]? gold = null;
            if (goldByName is not null)
            {
                gold = new int[data.ItemCount];
                Array.Fill(gold, -1);
                foreach (var (item, label) in goldByName)
                {
                    var i = builder.ItemIndex(item);
                    if (i >= 0)
                    {
                        gold[i] = table.ClassIndex(label);
                    }
                }
            }

            var result = Aggregator.Run(method, data, new EmOptions { Gold = gold });
            Write(table, result, gold);
            if (truth is not null)
            {
                ReportAccuracy(table, result, gold, truth);
            }

            return 0;
        }
        catch (Exception e) when (e is UsageException or CsvFormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"aggregate: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect, not bad input: still one line (the contract is no stack traces), exit code 1.
            Console.Error.WriteLine($"aggregate: internal error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static void Write(LabelTable table, AggregationResult result, int[]? gold)
    {
        var data = table.Labels;
        // One write at the end: Console.Out flushes on every call, which would dominate on 100,000 rows.
        var stdout = new StringBuilder(data.ItemCount * 24);
        stdout.Append("item,label,confidence\n");
        foreach (var i in ItemOrder(table))
        {
            if (data.LabelCount(i) == 0)
            {
                continue;
            }

            var (label, confidence) = Final(result, gold, i);
            stdout.Append(CsvTable.Escape(table.ItemNames[i]))
                .Append(',')
                .Append(CsvTable.Escape(table.ClassNames[label]))
                .Append(',')
                .Append(confidence.ToString("0.######", CultureInfo.InvariantCulture))
                .Append('\n');
        }

        Console.Out.Write(stdout.ToString());
        Console.Out.Flush();
    }

    private static (int Label, double Confidence) Final(AggregationResult result, int[]? gold, int item) =>
        gold is not null && gold[item] >= 0 ? (gold[item], 1.0) : (result.Label(item), result.Confidence(item));

    private static void ReportAccuracy(LabelTable table, AggregationResult result, int[]? gold, Dictionary<string, string> truth)
    {
        var final = new int[table.Labels.ItemCount];
        for (var i = 0; i < final.Length; i++)
        {
            final[i] = Final(result, gold, i).Label;
        }

        var (correct, scored) = table.Score(final, truth);
        var accuracy = scored == 0 ? double.NaN : correct / (double)scored;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {accuracy:0.0000} ({correct}/{scored} items with truth and labels)"));
    }

    private static int[] ItemOrder(LabelTable table)
    {
        var names = table.ItemNames;
        var order = Enumerable.Range(0, names.Count).ToArray();
        var numeric = new long[names.Count];
        var allNumeric = true;
        for (var i = 0; i < names.Count && allNumeric; i++)
        {
            allNumeric = long.TryParse(names[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numeric[i]);
        }

        if (allNumeric)
        {
            Array.Sort(numeric, order);
        }
        else
        {
            Array.Sort(order, (a, b) => string.CompareOrdinal(names[a], names[b]));
        }

        return order;
    }
}
