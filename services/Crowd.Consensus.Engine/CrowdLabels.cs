namespace Crowd.Consensus.Engine;

/// <summary>
/// Crowd labels in compressed sparse rows by item: items, workers and classes are dense 0-based indices.
/// A worker may label an item more than once; every row is one observation.
/// </summary>
public sealed class CrowdLabels
{
    private readonly int[] _itemStart;
    private readonly int[] _workers;
    private readonly int[] _labels;

    private CrowdLabels(int itemCount, int workerCount, int classCount, int[] itemStart, int[] workers, int[] labels)
    {
        ItemCount = itemCount;
        WorkerCount = workerCount;
        ClassCount = classCount;
        _itemStart = itemStart;
        _workers = workers;
        _labels = labels;
    }

    public int ItemCount { get; }

    public int WorkerCount { get; }

    public int ClassCount { get; }

    /// <summary>Number of observations (rows).</summary>
    public int Count => _labels.Length;

    /// <summary>Offsets into <see cref="Workers"/> and <see cref="Labels"/>: item i owns [ItemStart[i], ItemStart[i + 1]).</summary>
    public ReadOnlySpan<int> ItemStart => _itemStart;

    /// <summary>Worker of each observation, grouped by item.</summary>
    public ReadOnlySpan<int> Workers => _workers;

    /// <summary>Class of each observation, grouped by item.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    internal int[] ItemStartArray => _itemStart;

    internal int[] WorkerArray => _workers;

    internal int[] LabelArray => _labels;

    /// <summary>Number of observations of item <paramref name="item"/>.</summary>
    public int LabelCount(int item) => _itemStart[item + 1] - _itemStart[item];

    /// <summary>Builds the CSR layout from parallel arrays of observations (any order; stable within an item).</summary>
    public static CrowdLabels Create(
        int itemCount, int workerCount, int classCount,
        ReadOnlySpan<int> items, ReadOnlySpan<int> workers, ReadOnlySpan<int> labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        ArgumentOutOfRangeException.ThrowIfNegative(workerCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (items.Length != workers.Length || items.Length != labels.Length)
        {
            throw new ArgumentException("items, workers and labels must have the same length");
        }

        var start = new int[itemCount + 1];
        for (var r = 0; r < items.Length; r++)
        {
            var i = items[r];
            if ((uint)i >= (uint)itemCount)
            {
                throw new ArgumentOutOfRangeException(nameof(items), $"item index {i} outside [0, {itemCount})");
            }

            if ((uint)workers[r] >= (uint)workerCount)
            {
                throw new ArgumentOutOfRangeException(nameof(workers), $"worker index {workers[r]} outside [0, {workerCount})");
            }

            if ((uint)labels[r] >= (uint)classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"class index {labels[r]} outside [0, {classCount})");
            }

            start[i + 1]++;
        }

        for (var i = 0; i < itemCount; i++)
        {
            start[i + 1] += start[i];
        }

        var next = new int[itemCount];
        Array.Copy(start, next, itemCount);
        var w = new int[items.Length];
        var l = new int[items.Length];
        for (var r = 0; r < items.Length; r++)
        {
            var pos = next[items[r]]++;
            w[pos] = workers[r];
            l[pos] = labels[r];
        }

        return new CrowdLabels(itemCount, workerCount, classCount, start, w, l);
    }

    /// <summary>Number of observations of each class over all items.</summary>
    public int[] ClassTotals()
    {
        var totals = new int[ClassCount];
        foreach (var l in _labels)
        {
            totals[l]++;
        }

        return totals;
    }
}
