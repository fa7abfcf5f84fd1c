using System.Globalization;

namespace Crowd.Consensus.Engine;

/// <summary>
/// Collects string-keyed observations and turns them into dense <see cref="CrowdLabels"/>.
/// Items and workers keep first-seen order; classes are sorted (numerically when every class name is a number,
/// otherwise ordinally) so that class indices are ranks, as weighted kappa and ordinal metrics need.
/// </summary>
public sealed class CrowdLabelsBuilder
{
    private readonly Dictionary<string, int> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _classes = new(StringComparer.Ordinal);
    private readonly List<string> _itemNames = [];
    private readonly List<string> _workerNames = [];
    private readonly List<string> _classNames = [];
    private readonly List<int> _rowItems = [];
    private readonly List<int> _rowWorkers = [];
    private readonly List<int> _rowClasses = [];

    /// <summary>Adds one observation; a null or empty label registers the item and worker but no observation.</summary>
    public void Add(string item, string worker, string? label)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(worker);
        var i = Intern(_items, _itemNames, item);
        var w = Intern(_workers, _workerNames, worker);
        if (string.IsNullOrEmpty(label))
        {
            return;
        }

        _rowItems.Add(i);
        _rowWorkers.Add(w);
        _rowClasses.Add(Intern(_classes, _classNames, label));
    }

    /// <summary>Registers a class name that may have no observations (for example from a gold file).</summary>
    public void AddClass(string label) => Intern(_classes, _classNames, label);

    /// <summary>Index of an item already added, or -1.</summary>
    public int ItemIndex(string item) => _items.GetValueOrDefault(item, -1);

    /// <summary>Builds the labels; the returned names map indices back to the input strings.</summary>
    public LabelTable Build()
    {
        var order = Enumerable.Range(0, _classNames.Count).ToArray();
        var numeric = _classNames.Count > 0 && _classNames.TrueForAll(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        if (numeric)
        {
            Array.Sort(order, (a, b) =>
            {
                var c = double.Parse(_classNames[a], CultureInfo.InvariantCulture).CompareTo(double.Parse(_classNames[b], CultureInfo.InvariantCulture));
                return c != 0 ? c : string.CompareOrdinal(_classNames[a], _classNames[b]);
            });
        }
        else
        {
            Array.Sort(order, (a, b) => string.CompareOrdinal(_classNames[a], _classNames[b]));
        }

        var rank = new int[order.Length];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var classes = new int[_rowClasses.Count];
        for (var r = 0; r < classes.Length; r++)
        {
            classes[r] = rank[_rowClasses[r]];
        }

        var labels = CrowdLabels.Create(
            _itemNames.Count, _workerNames.Count, Math.Max(1, _classNames.Count),
            _rowItems.ToArray(), _rowWorkers.ToArray(), classes);
        var classNames = order.Select(o => _classNames[o]).ToArray();
        return new LabelTable(labels, [.. _itemNames], [.. _workerNames], classNames, numeric);
    }

    private static int Intern(Dictionary<string, int> map, List<string> names, string key)
    {
        if (!map.TryGetValue(key, out var index))
        {
            index = names.Count;
            map.Add(key, index);
            names.Add(key);
        }

        return index;
    }
}

/// <summary>Dense labels together with the names of their items, workers and classes.</summary>
public sealed record LabelTable(
    CrowdLabels Labels,
    IReadOnlyList<string> ItemNames,
    IReadOnlyList<string> WorkerNames,
    IReadOnlyList<string> ClassNames,
    bool NumericClasses)
{
    /// <summary>Index of a class name, or -1.</summary>
    public int ClassIndex(string name)
    {
        for (var c = 0; c < ClassNames.Count; c++)
        {
            if (string.Equals(ClassNames[c], name, StringComparison.Ordinal))
            {
                return c;
            }
        }

        return -1;
    }

    /// <summary>
    /// Scores one class per item against truth by item name, as data/README.md says: only items with both a
    /// truth and at least one label count.
    /// </summary>
    public (int Correct, int Scored) Score(ReadOnlySpan<int> labels, IReadOnlyDictionary<string, string> truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        var correct = 0;
        var scored = 0;
        for (var i = 0; i < Labels.ItemCount; i++)
        {
            if (Labels.LabelCount(i) == 0 || !truth.TryGetValue(ItemNames[i], out var t))
            {
                continue;
            }

            scored++;
            correct += string.Equals(ClassNames[labels[i]], t, StringComparison.Ordinal) ? 1 : 0;
        }

        return (correct, scored);
    }
}
