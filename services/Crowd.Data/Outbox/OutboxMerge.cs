using Microsoft.Extensions.DependencyInjection;

namespace Crowd.Data.Outbox;

/// <summary>
/// A bundle type (<see cref="UnitOfWork.PublishInBundle{TItem, TBundle}"/>) whose rows the relay merges when one window
/// holds several: for bundles that many small transactions write one of each (a claim's audit event), so that the broker
/// and the consumers pay once a window, not once a transaction. A merged message holds the rows' items in <c>seq</c> order
/// and no more than <see cref="UnitOfWork.MaxBundleItems"/> of them, as a bundle a transaction writes itself; a full
/// bundle goes alone. Only unkeyed rows merge (a keyed row goes alone, in its key's order).
/// <para>
/// Only for a type whose every consumer is idempotent per item, not just per message: a window published but not marked
/// sent (a relay killed between the confirms and its commit) is merged again, perhaps with other rows, under another
/// message id, so its items pass the consumers' inboxes a second time and must be skipped one by one there (the audit
/// chain skips an event it holds). The same rows merged again get the same id, and the inboxes drop that message whole.
/// </para>
/// </summary>
public sealed class OutboxMerge
{
    private readonly Func<object, int> _itemsOf;
    private readonly Func<IReadOnlyList<object>, object> _merge;

    private OutboxMerge(Type bundleType, Func<object, int> itemsOf, Func<IReadOnlyList<object>, object> merge)
    {
        BundleType = bundleType;
        _itemsOf = itemsOf;
        _merge = merge;
    }

    /// <summary>The rule for <typeparamref name="TBundle"/>: how many items one holds, and the one bundle of several's items.</summary>
    public static OutboxMerge Of<TBundle>(Func<TBundle, int> itemsOf, Func<IReadOnlyList<TBundle>, TBundle> merge) where TBundle : class =>
        new(typeof(TBundle), bundle => itemsOf((TBundle)bundle), bundles => merge([.. bundles.Cast<TBundle>()]));

    public Type BundleType { get; }

    internal int ItemsOf(object bundle) => _itemsOf(bundle);

    internal object Merge(IReadOnlyList<object> bundles) => _merge(bundles);
}

public static class OutboxMergeExtensions
{
    /// <summary>Lets this service's relays merge rows of <typeparamref name="TBundle"/> (see <see cref="OutboxMerge"/> for when that is safe).</summary>
    public static IServiceCollection AddOutboxMerge<TBundle>(
        this IServiceCollection services, Func<TBundle, int> itemsOf, Func<IReadOnlyList<TBundle>, TBundle> merge) where TBundle : class =>
        services.AddSingleton(OutboxMerge.Of(itemsOf, merge));
}
