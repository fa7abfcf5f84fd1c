using System.Text;

namespace Crowd.Cli.Csv;

/// <summary>Bad CSV input: the message is one line fit for stderr.</summary>
public sealed class CsvFormatException(string message) : Exception(message);

/// <summary>
/// A small RFC 4180 reader: comma-separated, optional double quotes with "" as an escaped quote, no newlines inside
/// fields. Columns are found by header name, so their order does not matter and extra columns are ignored.
/// </summary>
public static class CsvTable
{
    /// <summary>
    /// Reads <paramref name="path"/> and calls <paramref name="row"/> with the requested columns of every data row,
    /// in the order of <paramref name="columns"/>. Blank lines are skipped.
    /// </summary>
    public static int Read(string path, IReadOnlyList<string> columns, Action<string[]> row)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(row);
        if (!File.Exists(path))
        {
            throw new CsvFormatException($"{path}: file not found");
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var header = reader.ReadLine();
        while (header is not null && header.Trim().Length == 0)
        {
            header = reader.ReadLine();
        }

        if (header is null)
        {
            throw new CsvFormatException($"{path}: empty file, expected a header {string.Join(',', columns)}");
        }

        var names = Split(header, path, 1);
        var positions = new int[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            positions[c] = -1;
            for (var h = 0; h < names.Count; h++)
            {
                if (string.Equals(names[h].Trim(), columns[c], StringComparison.OrdinalIgnoreCase))
                {
                    positions[c] = h;
                    break;
                }
            }

            if (positions[c] < 0)
            {
                throw new CsvFormatException(
                    $"{path}: header has no '{columns[c]}' column (expected {string.Join(',', columns)}, got {header.Trim()})");
            }
        }

        var lineNumber = 1;
        var rows = 0;
        var values = new string[columns.Count];
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.Trim().Length == 0)
            {
                continue;
            }

            var fields = Split(line, path, lineNumber);
            for (var c = 0; c < positions.Length; c++)
            {
                if (positions[c] >= fields.Count)
                {
                    throw new CsvFormatException($"{path}:{lineNumber}: expected at least {positions.Max() + 1} fields, got {fields.Count}");
                }

                values[c] = fields[positions[c]];
            }

            row(values);
            rows++;
        }

        return rows;
    }

    private static List<string> Split(string line, string path, int lineNumber)
    {
        var fields = new List<string>(4);
        if (line.IndexOf('"', StringComparison.Ordinal) < 0)
        {
            var start = 0;
            while (true)
            {
                var comma = line.IndexOf(',', start);
                if (comma < 0)
                {
                    fields.Add(line[start..].TrimEnd('\r'));
                    return fields;
                }

                fields.Add(line[start..comma]);
                start = comma + 1;
            }
        }

        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new CsvFormatException($"{path}:{lineNumber}: unterminated quoted field");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(line[i++]);
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw new CsvFormatException($"{path}:{lineNumber}: text after a closing quote");
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    sb.Append(line[i++]);
                }
            }

            fields.Add(sb.ToString());
            if (i >= line.Length)
            {
                return fields;
            }

            i++; // the comma
            if (i == line.Length)
            {
                fields.Add(string.Empty);
                return fields;
            }
        }
    }

    /// <summary>Quotes a field when it holds a comma, quote or line break.</summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
