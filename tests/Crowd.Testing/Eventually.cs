namespace Crowd.Testing;

/// <summary>Waits for something asynchronous to become true: messages cross processes, so tests poll with a deadline.</summary>
public static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }
}
