namespace DistNet.Bench;

/// <summary>Resident memory of this process, from /proc/self/status (Linux), in MiB.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM).</summary>
    public static double PeakMiB() => Read("VmHWM:");

    /// <summary>Current resident set size (VmRSS).</summary>
    public static double CurrentMiB() => Read("VmRSS:");

    private static double Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var kb = line[key.Length..].Trim().Split(' ')[0];
            return long.Parse(kb) / 1024.0;
        }
        return double.NaN;
    }
}
