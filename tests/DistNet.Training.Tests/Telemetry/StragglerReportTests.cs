using DistNet.Training.Telemetry;

namespace DistNet.Training.Tests.Telemetry;

public class StragglerReportTests
{
    private static double[] Blame(params double[] arrivals)
    {
        var blame = new double[arrivals.Length];
        StragglerReport.Blame(arrivals, blame);
        return blame;
    }

    [Fact]
    public void The_last_to_arrive_is_blamed_for_everyone_who_waited()
    {
        // Two workers done after 1 s wait 2 s each for the third: 4 worker-seconds, all its fault.
        Assert.Equal([0, 0, 4], Blame(1, 1, 3));
    }

    [Fact]
    public void Waiting_is_shared_among_those_still_working()
    {
        // 1→2: one waits 1 s for two workers (0.5 each); 2→4: two wait 2 s for the last (4).
        Assert.Equal([0, 0.5, 4.5], Blame(1, 2, 4));
        // Order of participants does not matter, only their arrival.
        Assert.Equal([4.5, 0, 0.5], Blame(4, 1, 2));
        // The blames add up to the idle time: Σ (last − arrival).
        var arrivals = new[] { 0.3, 0.9, 0.1, 0.7, 0.7 };
        Assert.Equal(arrivals.Sum(a => 0.9 - a), Blame(arrivals).Sum(), 12);
    }

    [Fact]
    public void Shares_divide_the_blame_by_the_others_time_in_the_step()
    {
        var shares = new double[3];
        // Step of 3 s; the two others were in it for 6 worker-seconds and waited 4 of them for the third.
        StragglerReport.Shares([1, 1, 3], shares);
        Assert.Equal([0, 0, 2.0 / 3], shares);
        StragglerReport.Shares([1, 2, 4], shares);
        Assert.Equal([0, 0.5 / 8, 4.5 / 8], shares);
    }

    [Fact]
    public void One_worker_or_a_tie_blames_nobody()
    {
        Assert.Equal([0], Blame(5));
        Assert.Equal([0, 0, 0], Blame(2, 2, 2));
    }

    [Fact]
    public void Percentiles_interpolate_between_ranks()
    {
        double[] sorted = [1, 2, 3, 4, 100];
        Assert.Equal(3, StragglerReport.Percentile(sorted, 0.5));
        Assert.Equal(80.8, StragglerReport.Percentile(sorted, 0.95), 10); // rank 3.8: 4 + 0.8 × 96
        Assert.Equal(7, StragglerReport.Percentile([7], 0.95));
        Assert.True(double.IsNaN(StragglerReport.Percentile([], 0.5)));
    }

    [Fact]
    public void The_report_names_the_worker_the_others_waited_for_most()
    {
        var report = StragglerReport.From(
        [
            new WorkerSamples(2, [0.010, 0.011, 0.012, 0.013], WaitedOnSeconds: 0.002, WaitShare: 0.02),
            new WorkerSamples(0, [0.010, 0.012, 0.011, 0.010], WaitedOnSeconds: 0.001, WaitShare: 0.01),
            new WorkerSamples(1, [0.020, 0.021, 0.022, 0.040], WaitedOnSeconds: 0.060, WaitShare: 2.0 / 3),
        ]);
        Assert.Equal([0, 1, 2], report.Workers.Select(w => w.WorkerId));
        Assert.Equal(1, report.SlowestWorker);
        var slow = report.Workers[1];
        Assert.Equal(0.0215, slow.MedianSeconds, 12);
        Assert.Equal(0.0373, slow.P95Seconds, 12); // rank 2.85: 0.022 + 0.85 × 0.018
        Assert.Equal(2.0 / 3, slow.WaitShare, 12);
        var lines = report.Lines().ToList();
        Assert.Contains(lines, l => l.Contains("worker 1") && l.Contains("66.7 %") && l.Contains("slowest"));
        Assert.Equal("slowest: worker 1 (the others spent 66.7 % of their step time waiting for it)", lines[^1]);
    }

    [Fact]
    public void Without_waiting_the_slowest_is_the_one_with_the_slowest_steps()
    {
        var report = StragglerReport.From(
        [
            new WorkerSamples(0, [0.001, 0.001], 0, 0),
            new WorkerSamples(1, [0.003, 0.005], 0, 0),
        ]);
        Assert.Equal(1, report.SlowestWorker);
        Assert.Equal(0, report.Workers[1].WaitShare);
        Assert.Contains("nobody waited", report.Lines().Last());
    }

    [Fact]
    public void One_worker_gets_its_step_times_and_no_straggler()
    {
        var report = StragglerReport.From([new WorkerSamples(0, [0.002, 0.004, 0.003], 0, 0)]);
        Assert.Null(report.SlowestWorker);
        Assert.Equal("step time: median 3.00 ms, p95 3.90 ms (3 steps)", Assert.Single(report.Lines()));
        Assert.Empty(StragglerReport.Empty.Lines());
    }
}
