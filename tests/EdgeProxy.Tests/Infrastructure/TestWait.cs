namespace EdgeProxy.Tests.Infrastructure;

/// <summary>Waits, bounded in time, for something a background task makes true; fails the test when it never does.</summary>
public static class TestWait
{
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout) => UntilAsync(() => Task.FromResult(condition()), timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds:0.#} s");
            }

            await Task.Delay(50);
        }
    }
}
