using Crowd.Contracts.Tasks;

namespace Crowd.Assignment.Domain;

/// <summary>
/// The re-identification guard (API.md <c>privacy.maxItemSharePerWorker</c>): no worker is given more than
/// ceil(share × the item's task count) tasks of one item, so that nobody sees a whole head CT.
/// </summary>
public static class ItemShare
{
    /// <summary>The limit of each task's item in a released chunk, in the order of its tasks.</summary>
    public static int?[] Limits(TasksReleased released) =>
        released.Tasks.Select(t => Limit(released.MaxItemSharePerWorker, t.ItemId, t.ItemTaskCount)).ToArray();

    /// <summary>
    /// How many of an item's tasks one worker may be given, or null when the guard cannot bite: no item or task count
    /// was sent, the share is absent (it means 1), or the limit reaches the item's task count (a worker never gets one
    /// task twice, so that many is no limit).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The share is outside (0, 1] or the task count is not positive: the message breaks the contract.</exception>
    public static int? Limit(double? maxItemSharePerWorker, Guid? itemId, int? itemTaskCount)
    {
        if (maxItemSharePerWorker is not { } share || itemId is null || itemTaskCount is not { } taskCount)
        {
            return null;
        }

        // NaN fails both comparisons, so it is refused too.
        if (!(share > 0 && share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxItemSharePerWorker), share, "maxItemSharePerWorker must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(taskCount, nameof(itemTaskCount));

        // Decimal, not double: 0.28 × 25 is 7.000000000000001 in binary floating point, whose ceiling would give away one
        // task more than the requester allowed. The decimal conversion keeps the 15 significant digits a requester wrote;
        // a share too small for decimal becomes 0, whose true ceiling is still 1.
        var limit = Math.Max(1, (int)Math.Ceiling((decimal)share * taskCount));
        return limit >= taskCount ? null : limit;
    }
}
