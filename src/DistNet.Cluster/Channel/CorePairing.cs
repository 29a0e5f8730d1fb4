using System.Runtime.InteropServices;

namespace DistNet.Cluster.Channel;

/// <summary>
/// `--pair-cores`: on one host, worker k's channel thread (which reads its tasks, computes them and
/// writes the answers) and the ps's reader of that worker's answers both run on core k mod the
/// cores. When the worker answers it spins for its next task (<c>--worker-poll</c>), yielding; the
/// ps's reader, woken by that answer, then waits for a core that yields instead of one that computes,
/// which the scheduler would otherwise often pick (docs/benchmarks.md, "Cores in pairs").
/// Off by default: pinning threads only pays on a host given to the job.
/// </summary>
internal static partial class CorePairing
{
    /// <summary>
    /// The core for a channel's reading thread of worker <paramref name="workerId"/>, at either end:
    /// with pairing on and the worker on this host (it shares memory), core id mod the cores; −1 otherwise.
    /// </summary>
    public static int CoreFor(int workerId, bool pairCores, ChannelConnection connection) =>
        pairCores && connection.SharesMemory ? workerId % Environment.ProcessorCount : -1;

    /// <summary>Keeps the calling thread on <paramref name="core"/>; false where that cannot be done (not Linux, or refused).</summary>
    public static bool PinThisThread(int core)
    {
        if (!OperatingSystem.IsLinux() || core is < 0 or >= 64) return false;
        ulong mask = 1UL << core;
        return SchedSetAffinity(0, sizeof(ulong), ref mask) == 0;
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ref ulong mask);
}
