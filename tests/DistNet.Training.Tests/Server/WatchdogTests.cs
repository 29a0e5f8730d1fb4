using System.Collections.Concurrent;
using DistNet.Training.Server;
using DistNet.Training.Telemetry;

namespace DistNet.Training.Tests.Server;

public class WatchdogTests
{
    private static long In(int milliseconds) => Clock.After(Clock.Now, milliseconds * 1_000_000L);

    [Fact]
    public void Fires_once_by_the_earliest_deadline_and_again_only_when_given_a_new_one()
    {
        var fired = new BlockingCollection<long>();
        using var watchdog = new Watchdog(() => fired.Add(Clock.Now), "test watchdog");
        long start = Clock.Now;
        watchdog.FireBy(In(400));
        watchdog.FireBy(In(30));  // earlier: replaces the first
        watchdog.FireBy(In(300)); // later than the one pending: ignored

        Assert.True(fired.TryTake(out long first, TimeSpan.FromSeconds(5)));
        double firstMs = Clock.Ns(start, first) / 1e6;
        Assert.InRange(firstMs, 30, 250);
        // Neither the 300 nor the 400 ms deadline is still pending.
        Assert.False(fired.TryTake(out _, TimeSpan.FromMilliseconds(600)));

        watchdog.FireBy(In(20));
        Assert.True(fired.TryTake(out _, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_past_deadline_fires_and_a_disposed_watchdog_never()
    {
        var fired = new BlockingCollection<long>();
        var watchdog = new Watchdog(() => fired.Add(Clock.Now), "test watchdog");
        watchdog.FireBy(Clock.Now - 1);
        Assert.True(fired.TryTake(out _, TimeSpan.FromSeconds(5)));

        watchdog.FireBy(In(50));
        watchdog.Dispose();
        Assert.False(fired.TryTake(out _, TimeSpan.FromMilliseconds(300)));
    }
}
