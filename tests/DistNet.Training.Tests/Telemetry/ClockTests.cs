using DistNet.Training.Telemetry;

namespace DistNet.Training.Tests.Telemetry;

public class ClockTests
{
    [Fact]
    public void A_time_after_a_timestamp_is_that_many_nanoseconds_later_or_never_if_beyond_the_clocks_range()
    {
        long now = Clock.Now;
        Assert.InRange(Clock.Ns(now, Clock.After(now, 3_000_000_000)), 2_999_999_000, 3_000_001_000);
        Assert.Equal(long.MaxValue, Clock.After(now, long.MaxValue));
        Assert.Equal(long.MaxValue, Clock.After(long.MaxValue - 5, 1_000_000));
    }
}
