using System.Runtime.InteropServices;

namespace DistNet.Bench;

/// <summary>
/// CPU time of the whole process (clock_gettime CLOCK_PROCESS_CPUTIME_ID, nanosecond
/// resolution). On a shared machine, wall time counts the slices other processes take;
/// CPU time does not, so samples per CPU-second is the steadier figure for comparing code.
/// </summary>
internal static partial class CpuClock
{
    private const int ProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Seconds of CPU time used by this process so far, or NaN where unavailable.</summary>
    public static double ProcessSeconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        return ClockGetTime(ProcessCpuTimeId, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
    }
}
