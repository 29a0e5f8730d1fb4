using System.Globalization;

namespace DistNet.Training.Telemetry;

/// <summary>What the straggler report is computed from, for one worker.</summary>
/// <param name="StepSeconds">Its step times: each task's round trip as the server saw it, send to answer.</param>
/// <param name="WaitedOnSeconds">Worker-seconds the others spent idle waiting for it (see <see cref="StragglerReport.Blame"/>).</param>
/// <param name="WaitShare">The share of the others' time they spent waiting for it: the mean over its steps of
/// <see cref="StragglerReport.Shares"/> (barrier modes), or its waited-on time over the others' run time (ssp).</param>
public sealed record WorkerSamples(int WorkerId, IReadOnlyList<double> StepSeconds, double WaitedOnSeconds, double WaitShare);

/// <summary>One worker's line of the straggler report.</summary>
/// <param name="WaitShare">Of the time the other workers spent in its steps, the share they spent idle waiting for it (0 to 1; see <see cref="WorkerSamples"/>).</param>
public sealed record WorkerStraggle(int WorkerId, int Steps, double MedianSeconds, double P95Seconds, double WaitedOnSeconds, double WaitShare);

/// <summary>
/// Who held the run back: per worker the median and 95th percentile of its step time and the share of
/// the others' time spent waiting for it, and the slowest worker named. Pure functions of the samples.
/// </summary>
public sealed record StragglerReport(IReadOnlyList<WorkerStraggle> Workers, int? SlowestWorker)
{
    public static readonly StragglerReport Empty = new([], null);

    /// <summary>
    /// Attributes the idle time of one barrier step. <paramref name="arrivals"/> are the seconds, from
    /// the step's start, at which each participant's answer came in; the step waits for the last. Between
    /// two consecutive arrivals the workers already done wait, and their waiting is shared equally among
    /// those still computing. <paramref name="blame"/>[i] receives the worker-seconds others waited for
    /// participant i; the blames add up to the step's total idle worker-time, Σ (last − arrival).
    /// </summary>
    public static void Blame(ReadOnlySpan<double> arrivals, Span<double> blame)
    {
        int n = arrivals.Length;
        if (blame.Length < n) throw new ArgumentException("one blame slot per arrival", nameof(blame));
        blame[..n].Clear();
        Span<int> order = n <= 128 ? stackalloc int[n] : new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Insertion sort by arrival, ties in participant order: n is the number of workers, small.
        for (int i = 1; i < n; i++)
        {
            int item = order[i], j = i - 1;
            while (j >= 0 && arrivals[order[j]] > arrivals[item]) { order[j + 1] = order[j]; j--; }
            order[j + 1] = item;
        }
        for (int k = 0; k < n - 1; k++)
        {
            double gap = arrivals[order[k + 1]] - arrivals[order[k]];
            if (gap <= 0) continue;
            int waiting = k + 1, working = n - waiting;
            double each = waiting * gap / working;
            for (int j = k + 1; j < n; j++) blame[order[j]] += each;
        }
    }

    /// <summary>
    /// Per participant of one barrier step, the share of the others' time in the step (n − 1 workers
    /// × the step's length, up to the last arrival) that they spent waiting for it: its
    /// <see cref="Blame"/> over that. The shares add up to the idle fraction of the step (≤ 1).
    /// </summary>
    public static void Shares(ReadOnlySpan<double> arrivals, Span<double> shares)
    {
        Blame(arrivals, shares);
        int n = arrivals.Length;
        double last = 0;
        foreach (var a in arrivals) last = Math.Max(last, a);
        double others = (n - 1) * last;
        for (int i = 0; i < n; i++) shares[i] = others > 0 ? shares[i] / others : 0;
    }

    /// <summary>The report: percentiles of each worker's step times, its wait share, and the slowest worker.</summary>
    public static StragglerReport From(IEnumerable<WorkerSamples> samples)
    {
        var workers = new List<WorkerStraggle>();
        foreach (var s in samples.OrderBy(s => s.WorkerId))
        {
            var sorted = s.StepSeconds.ToArray();
            Array.Sort(sorted);
            workers.Add(new WorkerStraggle(s.WorkerId, sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95),
                s.WaitedOnSeconds, Math.Clamp(s.WaitShare, 0, 1)));
        }
        int? slowest = null;
        if (workers.Count >= 2)
        {
            // The one the others waited for most; where nobody waits (async), the one with the slowest steps.
            var byShare = workers.MaxBy(w => w.WaitShare)!;
            slowest = byShare.WaitShare > 0 ? byShare.WorkerId : workers.MaxBy(w => w.MedianSeconds)!.WorkerId;
        }
        return new StragglerReport(workers, slowest);
    }

    /// <summary>Linear interpolation between closest ranks (NaN for no values).</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        double rank = p * (sorted.Length - 1);
        int low = (int)Math.Floor(rank), high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /// <summary>The report as a few lines for a person.</summary>
    public IEnumerable<string> Lines()
    {
        if (Workers.Count == 0) yield break;
        if (Workers.Count == 1)
        {
            var only = Workers[0];
            yield return $"step time: median {Duration(only.MedianSeconds)}, p95 {Duration(only.P95Seconds)} ({only.Steps} steps)";
            yield break;
        }
        yield return "stragglers: step time per worker (median, p95) and the share of the others' time spent waiting for it";
        foreach (var w in Workers)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  worker {w.WorkerId,-3} median {Duration(w.MedianSeconds),9}  p95 {Duration(w.P95Seconds),9}  others waited {w.WaitShare * 100,5:F1} %{(w.WorkerId == SlowestWorker ? "  <- slowest" : "")}");
        if (SlowestWorker is { } id)
        {
            var s = Workers.First(w => w.WorkerId == id);
            yield return s.WaitShare > 0
                ? string.Create(CultureInfo.InvariantCulture, $"slowest: worker {id} (the others spent {s.WaitShare * 100:F1} % of their step time waiting for it)")
                : $"slowest: worker {id} (highest median step time; nobody waited for it)";
        }
    }

    private static string Duration(double seconds) => double.IsNaN(seconds) ? "-"
        : seconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:F2} ms");
}
