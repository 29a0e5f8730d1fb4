using System.Diagnostics;
using System.Text.Json;
using DistNet.Core.Data;
using DistNet.Core.Linear;

namespace DistNet.Bench;

/// <summary>The suites beyond the training-step benchmark: `--suite actors` and `--suite cluster`.</summary>
internal static class Suites
{
    public static int Run(Options options)
    {
        if (options.WaitQuiet > 0) Machine.WaitQuiet(options.WaitQuiet);
        // One BLAS thread, as `distnet train` and `distnet node` default to: each worker gets one.
        Blas.SetThreadCount(1);
        Console.WriteLine($"DistNet {options.Suite} benchmark — {DateTime.Now:yyyy-MM-dd HH:mm}");
        Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs, GC LOH threshold {AppContext.GetData("System.GC.LOHThreshold") ?? "default"}; BLAS: {Blas.Backend}, 1 thread");
        Console.WriteLine($"load average before start: {Machine.LoadAverage()} (the machine is shared: compare the ratios of back-to-back runs, not absolute figures)");
        Console.WriteLine($"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"} OPENBLAS_L2_SIZE={Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)"}");
        object report;
        if (options.Suite == "cluster")
        {
            report = ClusterSuite.Run(parameters: 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
        }
        else
        {
            Dataset train;
            try { (train, _) = IdxData.Load(options.DataDirectory); }
            catch (DataException e) { Console.Error.WriteLine($"distnet-bench: {e.Message}"); return 1; }
            Console.WriteLine($"data: {options.DataDirectory}: {train.Count} training samples, {train.FeatureCount} features");
            report = ActorSuite.Run(options, train);
        }
        if (options.JsonFile is { } json)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(report, report.GetType(),
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                    // NaN where a median has no values (e.g. no quiet round): written as "NaN" rather than failing after the whole run
                    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }
}

internal static class Machine
{
    /// <summary>Waits until the CPUs were less than 10% busy over 3 s (as bench/run.sh --wait-quiet), or the deadline.</summary>
    public static void WaitQuiet(int seconds, bool quietly = false)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (busy0, idle0) = CpuTicks();
            Thread.Sleep(3000);
            var (busy1, idle1) = CpuTicks();
            long total = busy1 - busy0 + idle1 - idle0;
            int busy = total > 0 ? (int)(100 * (busy1 - busy0) / total) : 0;
            if (busy < 10) { if (!quietly) Console.WriteLine($"machine quiet ({busy}% busy), starting"); return; }
            if (deadline.Elapsed.TotalSeconds >= seconds) { Console.WriteLine($"warning: still {busy}% busy after {seconds} s; wall-clock figures will be low"); return; }
        }
    }

    /// <summary>CPU-seconds all processes have been busy since boot (/proc/stat, in USER_HZ = 100 ticks a second), NaN where unavailable.</summary>
    public static double BusyCpuSeconds() => File.Exists("/proc/stat") ? CpuTicks().Busy / 100.0 : double.NaN;

    // /proc/stat's first line: user nice system idle iowait irq softirq ...; busy = user+nice+system+irq+softirq.
    private static (long Busy, long Idle) CpuTicks()
    {
        if (!File.Exists("/proc/stat")) return (0, 0);
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (f[0] + f[1] + f[2] + f[5] + f[6], f[3] + f[4]);
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
