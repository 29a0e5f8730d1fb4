using System.Diagnostics;

namespace DistNet.Training.Telemetry;

/// <summary>
/// The monotonic clock every measurement uses: <see cref="Stopwatch.GetTimestamp"/>. Timestamps are
/// compared only within one process; what travels between processes are durations in nanoseconds.
/// </summary>
public static class Clock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Nanoseconds from one timestamp to a later one (0 if the later is not later).</summary>
    public static long Ns(long from, long to) => to > from ? (long)((to - from) * NsPerTick) : 0;

    /// <summary>A timestamp so many nanoseconds after another; <see cref="long.MaxValue"/> (never) if that is beyond the clock's range.</summary>
    public static long After(long timestamp, long ns)
    {
        double ticks = ns / NsPerTick;
        return ticks >= long.MaxValue - (double)timestamp ? long.MaxValue : timestamp + (long)ticks;
    }

    public static double Seconds(long ns) => ns * 1e-9;
}
