using System.Globalization;
using DistNet.Cli.Experiment;

namespace DistNet.Cli.Tests;

public class ExperimentReportTests
{
    private const string Plan = "kill worker 1 at step 10\ndrop 2 gradients at step 30";
    private const string Command = "distnet experiment plan.json --epochs 2 --seed 7";

    private static IReadOnlyList<StepPoint> Steps(int count, double secondsPerStep, double scale = 1) =>
        Enumerable.Range(1, count).Select(s => new StepPoint(s, scale / (1 + 0.05 * s), s * secondsPerStep)).ToList();

    private static ExperimentRun Baseline(string hash = "abc123") => new(
        "baseline", Steps(40, 0.25), [new RunEvent(40, 10, RunEventKinds.Note, "training finished")],
        WallSeconds: 10, FinalTrainLoss: 0.3312, TestLoss: 0.35, TestAccuracy: 0.9125, ModelHash: hash,
        StepsRedone: 0, LedgerExactlyOnce: true,
        Counters: new Dictionary<string, long> { ["tasks sent"] = 40, ["timed out"] = 0 });

    /// <summary>
    /// Events deliberately out of time order, with a "detected" before the first fault and a
    /// "recovered" between that fault and its detection: neither may be taken as the fault's.
    /// </summary>
    private static ExperimentRun Faulty(string hash = "abc123", double wall = 12.5) => new(
        "faulty", Steps(40, 0.3, 1.02),
        [
            new RunEvent(30, 3.0, RunEventKinds.Fault, "drop 2 gradients"),
            new RunEvent(9, 0.8, RunEventKinds.Detected, "task 3 timed out (before any fault)"),
            new RunEvent(10, 1.0, RunEventKinds.Fault, "kill worker 1"),
            new RunEvent(10, 1.1, RunEventKinds.Recovered, "worker 0 rejoined (unrelated)"),
            new RunEvent(12, 1.75, RunEventKinds.Detected, "worker 1 lost | heartbeat missed"),
            new RunEvent(13, 2.5, RunEventKinds.Recovered, "tasks 11-12 reassigned to worker 2"),
            new RunEvent(31, 3.2, RunEventKinds.Detected, "gradient for step 30 refused"),
        ],
        WallSeconds: wall, FinalTrainLoss: double.NaN, TestLoss: null, TestAccuracy: 0.9,
        ModelHash: hash, StepsRedone: 2, LedgerExactlyOnce: false,
        Counters: new Dictionary<string, long> { ["tasks sent"] = 44, ["reassigned"] = 2 });

    private static string Md(ExperimentRun baseline, ExperimentRun faulty) =>
        ExperimentReport.Markdown(Plan, Command, baseline, faulty, "loss.png");

    [Fact]
    public void The_models_are_identical_only_when_the_hashes_match()
    {
        Assert.True(ExperimentReport.ModelsIdentical(Baseline("abc123"), Faulty("abc123")));
        Assert.False(ExperimentReport.ModelsIdentical(Baseline("abc123"), Faulty("abc124")));
        Assert.False(ExperimentReport.ModelsIdentical(Baseline(""), Faulty("")));

        var same = Md(Baseline("abc123"), Faulty("abc123"));
        Assert.Contains("Final models identical: yes", same);
        Assert.Contains("| final models identical |  | **yes** |", same);
        Assert.DoesNotContain("identical: no", same);

        var different = Md(Baseline("abc123"), Faulty("abc124"));
        Assert.Contains("Final models identical: no", different);
        Assert.Contains("| final models identical |  | **no** |", different);
        Assert.DoesNotContain("identical: yes", different);
        Assert.Contains("| model hash | `abc123` | `abc124` |", different);

        // No hash at all proves nothing.
        Assert.Contains("Final models identical: no", Md(Baseline(""), Faulty("")));
    }

    [Fact]
    public void Time_lost_is_faulty_minus_baseline_wall_time()
    {
        var (seconds, percent) = ExperimentReport.TimeLost(Baseline(), Faulty(wall: 12.5));
        Assert.Equal(2.5, seconds, 12);
        Assert.Equal(25.0, percent!.Value, 12);
        Assert.Contains("| time lost (faulty − baseline) |  | +2.50 s (+25.0 %) |", Md(Baseline(), Faulty(wall: 12.5)));

        // A faulty run that happened to be faster loses negative time.
        var faster = ExperimentReport.TimeLost(Baseline(), Faulty(wall: 9));
        Assert.Equal((-1.0, -10.0), (Math.Round(faster.Seconds, 9), Math.Round(faster.Percent!.Value, 9)));
        Assert.Contains("| -1.00 s (-10.0 %) |", Md(Baseline(), Faulty(wall: 9)));

        // A baseline that took no time gives no percentage.
        var instant = Baseline() with { WallSeconds = 0 };
        Assert.Null(ExperimentReport.TimeLost(instant, Faulty()).Percent);
    }

    [Fact]
    public void A_faults_detection_is_the_first_detected_event_after_it_and_its_recovery_the_first_recovered_after_that()
    {
        var faults = ExperimentReport.Faults(Faulty());
        Assert.Equal(2, faults.Count);

        var kill = faults[0];
        Assert.Equal((1, "kill worker 1"), (kill.Number, kill.Fault.Text));
        Assert.Equal("worker 1 lost | heartbeat missed", kill.Detected!.Text);
        Assert.Equal(0.75, kill.DetectedAfterSeconds!.Value, 12);
        Assert.Equal("tasks 11-12 reassigned to worker 2", kill.Recovered!.Text);
        Assert.Equal(1.5, kill.RecoveredAfterSeconds!.Value, 12);

        var drop = faults[1];
        Assert.Equal((2, "drop 2 gradients"), (drop.Number, drop.Fault.Text));
        Assert.Equal(0.2, drop.DetectedAfterSeconds!.Value, 12);
        Assert.Null(drop.Recovered);
        Assert.Null(drop.RecoveredAfterSeconds);

        var md = Md(Baseline(), Faulty());
        var killRow = Assert.Single(md.Split('\n'), l => l.StartsWith("| fault 1: kill worker 1 |"));
        Assert.Contains("| 0.750 | step 12: worker 1 lost \\| heartbeat missed | 1.500 | step 13: tasks 11-12 reassigned to worker 2 |", killRow);
        var dropRow = Assert.Single(md.Split('\n'), l => l.StartsWith("| fault 2: drop 2 gradients |"));
        Assert.Contains("| 0.200 | step 31: gradient for step 30 refused | — | — |", dropRow);

        // A fault with nothing after it: both delays are "—".
        var lone = Faulty() with { Events = [new RunEvent(5, 0.5, RunEventKinds.Fault, "pause server")] };
        var row = Assert.Single(Md(Baseline(), lone).Split('\n'), l => l.StartsWith("| fault 1: pause server |"));
        Assert.EndsWith("| — | — | — | — |", row);
    }

    [Fact]
    public void The_report_lists_command_plan_timeline_counters_and_the_plot()
    {
        var md = Md(Baseline(), Faulty());
        Assert.StartsWith("# Fault-injection experiment", md);
        Assert.Contains("```sh\n" + Command + "\n```", md);
        Assert.Contains("- kill worker 1 at step 10\n- drop 2 gradients at step 30\n", md);
        Assert.Contains("![loss against step](loss.png)", md);
        Assert.Contains("| steps | 40 | 40 |", md);
        Assert.Contains("| steps redone | 0 | 2 |", md);
        Assert.Contains("| final train loss | 0.331200 | NaN |", md);
        Assert.Contains("| test loss | 0.350000 | — |", md);
        Assert.Contains("| test accuracy | 91.25 % | 90.00 % |", md);
        Assert.Contains("| ledger exactly once | yes | no |", md);

        // The timeline is in time order, faults numbered in that order.
        var timeline = md.Split('\n').SkipWhile(l => !l.StartsWith("## Timeline")).Skip(4).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(7, timeline.Count);
        Assert.Equal("| 9 | 0.80 | detected | task 3 timed out (before any fault) |", timeline[0]);
        Assert.Equal("| 10 | 1.00 | **fault 1** | kill worker 1 |", timeline[1]);
        Assert.Equal("| 30 | 3.00 | **fault 2** | drop 2 gradients |", timeline[5]);

        // Counters side by side, absent ones as "—".
        Assert.Contains("| tasks sent | 40 | 44 | +4 |", md);
        Assert.Contains("| reassigned | — | 2 | — |", md);
        Assert.Contains("| timed out | 0 | — | — |", md);
    }

    [Fact]
    public void Numbers_are_written_the_same_whatever_the_culture()
    {
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.PercentDecimalSeparator = ",";
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = comma;
            var md = Md(Baseline(), Faulty());
            Assert.Contains("| wall time (s) | 10.00 | 12.50 |", md);
            Assert.DoesNotContain("12,50", md);
        }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void Write_produces_the_markdown_the_png_and_a_json_that_reads_back()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "experiment");
        var baseline = Baseline();
        var faulty = Faulty("abc124");
        var written = ExperimentReport.Write(output, Plan, Command, baseline, faulty);

        Assert.Equal(new[] { "loss.png", "report.json", "report.md" }, Directory.GetFiles(output).Select(f => Path.GetFileName(f)).Order().ToList());
        var md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Equal(ExperimentReport.Markdown(Plan, Command, baseline, faulty, "loss.png"), md);

        var png = File.ReadAllBytes(Path.Combine(output, "loss.png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        using (var image = new ScottPlot.Image(png))
            Assert.Equal((Plots.StepLossPlot.DefaultWidth, Plots.StepLossPlot.DefaultHeight), (image.Width, image.Height));

        var read = ExperimentReport.ReadJson(Path.Combine(output, "report.json"));
        Assert.Equal((Plan, Command), (read.Plan, read.Command));
        Assert.False(read.ModelsIdentical);
        Assert.Equal(written.TimeLostSeconds, read.TimeLostSeconds);
        Assert.Equal(written.TimeLostPercent, read.TimeLostPercent);
        AssertSameRun(baseline, read.Baseline);
        AssertSameRun(faulty, read.Faulty);
        Assert.Equal(2, read.Faults.Count);
        Assert.Equal(written.Faults[0], read.Faults[0]);
        Assert.Equal(written.Faults[1], read.Faults[1]);
        Assert.Equal(0.75, read.Faults[0].DetectedAfterSeconds!.Value, 12);
    }

    private static void AssertSameRun(ExperimentRun expected, ExperimentRun actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.Events, actual.Events);
        Assert.Equal(expected.WallSeconds, actual.WallSeconds);
        // NaN survives the trip (JSON itself has no NaN).
        Assert.Equal(expected.FinalTrainLoss, actual.FinalTrainLoss);
        Assert.Equal(expected.TestLoss, actual.TestLoss);
        Assert.Equal(expected.TestAccuracy, actual.TestAccuracy);
        Assert.Equal(expected.ModelHash, actual.ModelHash);
        Assert.Equal(expected.StepsRedone, actual.StepsRedone);
        Assert.Equal(expected.LedgerExactlyOnce, actual.LedgerExactlyOnce);
        Assert.Equal(expected.Counters.OrderBy(c => c.Key), actual.Counters.OrderBy(c => c.Key));
    }

    [Fact]
    public void A_file_that_is_not_a_report_is_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<InvalidDataException>(() => ExperimentReport.ReadJson(dir.Write("garbage.json", "not json")));
        Assert.Throws<InvalidDataException>(() => ExperimentReport.ReadJson(dir.Write("empty.json", "{}")));
        Assert.Throws<InvalidDataException>(() => ExperimentReport.ReadJson(dir.Write("null.json", "null")));
    }
}
