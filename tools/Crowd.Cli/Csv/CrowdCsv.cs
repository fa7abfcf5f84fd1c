using Crowd.Consensus.Engine;

namespace Crowd.Cli.Csv;

/// <summary>Reads the long-format crowd files: labels <c>item,worker,label</c> and truth/gold <c>item,truth</c>.</summary>
public static class CrowdCsv
{
    /// <summary>Reads a labels file into a builder (an empty label is a missing value).</summary>
    public static CrowdLabelsBuilder ReadLabels(string path)
    {
        var builder = new CrowdLabelsBuilder();
        var rows = CsvTable.Read(path, ["item", "worker", "label"], f =>
        {
            var item = f[0].Trim();
            var worker = f[1].Trim();
            if (item.Length == 0 || worker.Length == 0)
            {
                throw new CsvFormatException($"{path}: a row has an empty item or worker");
            }

            builder.Add(item, worker, f[2].Trim());
        });
        if (rows == 0)
        {
            throw new CsvFormatException($"{path}: no data rows");
        }

        return builder;
    }

    /// <summary>Reads <c>item,truth</c> (column <c>truth</c>, or <c>label</c> for gold files) into a map.</summary>
    public static Dictionary<string, string> ReadTruth(string path)
    {
        var truth = new Dictionary<string, string>(StringComparer.Ordinal);
        var column = HasColumn(path, "truth") ? "truth" : "label";
        CsvTable.Read(path, ["item", column], f =>
        {
            var item = f[0].Trim();
            var value = f[1].Trim();
            if (item.Length > 0 && value.Length > 0)
            {
                truth[item] = value;
            }
        });
        return truth;
    }

    private static bool HasColumn(string path, string name)
    {
        if (!File.Exists(path))
        {
            throw new CsvFormatException($"{path}: file not found");
        }

        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        return header is not null && header.Split(',').Any(h => string.Equals(h.Trim().Trim('"'), name, StringComparison.OrdinalIgnoreCase));
    }
}
