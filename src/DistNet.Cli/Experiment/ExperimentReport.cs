using System.Globalization;
using System.Text;
using System.Text.Json;
using DistNet.Core.IO;
using DistNet.Plots;

namespace DistNet.Cli.Experiment;

/// <summary>
/// One fault of the faulty run and how the system answered it: the first "detected" event after
/// the fault, and the first "recovered" event after that detection (null where there is none).
/// </summary>
/// <param name="Number">1-based, in time order: the "fault N" of the timeline and of the plot's markers.</param>
public sealed record FaultTimeline(int Number, RunEvent Fault, RunEvent? Detected, RunEvent? Recovered)
{
    /// <summary>Seconds from the fault to its detection.</summary>
    public double? DetectedAfterSeconds => Detected is null ? null : Detected.Seconds - Fault.Seconds;

    /// <summary>Seconds from the fault (not from the detection) to the recovery.</summary>
    public double? RecoveredAfterSeconds => Recovered is null ? null : Recovered.Seconds - Fault.Seconds;
}

/// <summary>Everything report.json holds: both runs and what the report concluded from them.</summary>
/// <param name="Plan">The fault plan, one line per fault.</param>
/// <param name="Command">The command line that ran the experiment.</param>
/// <param name="ModelsIdentical">Whether both runs ended with the same model (equal, non-empty hashes).</param>
/// <param name="TimeLostSeconds">Faulty wall time minus baseline wall time (negative when the faulty run happened to be faster).</param>
/// <param name="TimeLostPercent">That, as a percentage of the baseline's wall time; null when the baseline took no time.</param>
/// <param name="Faults">The faulty run's faults with their detection and recovery.</param>
public sealed record ExperimentResult(
    string Plan,
    string Command,
    ExperimentRun Baseline,
    ExperimentRun Faulty,
    bool ModelsIdentical,
    double TimeLostSeconds,
    double? TimeLostPercent,
    IReadOnlyList<FaultTimeline> Faults)
{
    public static ExperimentResult Of(string plan, string command, ExperimentRun baseline, ExperimentRun faulty)
    {
        var (seconds, percent) = ExperimentReport.TimeLost(baseline, faulty);
        return new ExperimentResult(plan, command, baseline, faulty,
            ExperimentReport.ModelsIdentical(baseline, faulty), seconds, percent, ExperimentReport.Faults(faulty));
    }
}

/// <summary>
/// The report of a fault-injection experiment (a fault-free baseline and a faulty run with the
/// same seed): a Markdown summary for people, a JSON file for scripts and tests, and a plot of
/// both runs' loss against step with the faults marked.
/// </summary>
public static class ExperimentReport
{
    public const string MarkdownFile = "report.md";
    public const string JsonFile = "report.json";
    public const string PlotFile = "loss.png";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A diverged run's loss is NaN or infinite; JSON has no numbers for those.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A report with a field missing or null where none may be is refused, not half-read.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Both runs ended with the same model: equal hashes, and a hash to compare at all.</summary>
    public static bool ModelsIdentical(ExperimentRun baseline, ExperimentRun faulty) =>
        !string.IsNullOrEmpty(baseline.ModelHash) && string.Equals(baseline.ModelHash, faulty.ModelHash, StringComparison.Ordinal);

    /// <summary>Faulty minus baseline wall time, in seconds and as a percentage of the baseline's (null when that is not positive).</summary>
    public static (double Seconds, double? Percent) TimeLost(ExperimentRun baseline, ExperimentRun faulty)
    {
        double lost = faulty.WallSeconds - baseline.WallSeconds;
        return (lost, baseline.WallSeconds > 0 ? 100 * lost / baseline.WallSeconds : null);
    }

    /// <summary>The run's events in time order; events at the same time keep the order they were given in.</summary>
    public static IReadOnlyList<RunEvent> Timeline(ExperimentRun run) => run.Events.OrderBy(e => e.Seconds).ToList();

    /// <summary>
    /// Every "fault" event of the run, in time order, with the first "detected" event after it and
    /// the first "recovered" event after that detection. "After" is the position in
    /// <see cref="Timeline"/>: an event at the same second but listed before the fault does not count.
    /// </summary>
    public static IReadOnlyList<FaultTimeline> Faults(ExperimentRun run)
    {
        var events = Timeline(run);
        var faults = new List<FaultTimeline>();
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].Kind != RunEventKinds.Fault) continue;
            int detected = FirstAfter(events, i, RunEventKinds.Detected);
            int recovered = detected < 0 ? -1 : FirstAfter(events, detected, RunEventKinds.Recovered);
            faults.Add(new FaultTimeline(faults.Count + 1, events[i],
                detected < 0 ? null : events[detected], recovered < 0 ? null : events[recovered]));
        }
        return faults;
    }

    private static int FirstAfter(IReadOnlyList<RunEvent> events, int index, string kind)
    {
        for (int j = index + 1; j < events.Count; j++)
            if (events[j].Kind == kind) return j;
        return -1;
    }

    /// <summary>The Markdown report; <paramref name="plotFileName"/> is embedded as the loss picture.</summary>
    public static string Markdown(string planDescription, string command, ExperimentRun baseline, ExperimentRun faulty, string plotFileName)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        bool identical = ModelsIdentical(baseline, faulty);
        var (lost, lostPercent) = TimeLost(baseline, faulty);
        var faults = Faults(faulty);

        Line("# Fault-injection experiment");
        Line();
        Line($"A fault-free run (**{Escape(baseline.Name)}**) and a run with injected faults (**{Escape(faulty.Name)}**), same seed and options.");
        Line();
        string fence = Fence(command);
        Line(fence + "sh");
        Line(command);
        Line(fence);
        Line();

        Line("## Plan");
        Line();
        var planLines = planDescription.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (planLines.Count == 0) Line("No faults planned.");
        foreach (var line in planLines) Line($"- {Escape(line)}");
        Line();

        Line("## Results");
        Line();
        Line($"**Final models identical: {YesNo(identical)}**" + (identical
            ? $" (both end with model hash `{baseline.ModelHash}`)."
            : $" (model hashes {Hash(baseline.ModelHash)} and {Hash(faulty.ModelHash)})."));
        Line();
        Line($"| | {Escape(baseline.Name)} | {Escape(faulty.Name)} |");
        Line("|---|---:|---:|");
        Row("wall time (s)", Seconds(baseline.WallSeconds), Seconds(faulty.WallSeconds));
        Row("time lost (faulty − baseline)", "", $"{Signed(lost, "0.00")} s" + (lostPercent is { } p ? $" ({Signed(p, "0.0")} %)" : ""));
        Row("steps", LastStep(baseline), LastStep(faulty));
        Row("steps redone", Count(baseline.StepsRedone), Count(faulty.StepsRedone));
        Row("final train loss", Loss(baseline.FinalTrainLoss), Loss(faulty.FinalTrainLoss));
        Row("test loss", Loss(baseline.TestLoss), Loss(faulty.TestLoss));
        Row("test accuracy", Accuracy(baseline.TestAccuracy), Accuracy(faulty.TestAccuracy));
        Row("ledger exactly once", YesNo(baseline.LedgerExactlyOnce), YesNo(faulty.LedgerExactlyOnce));
        Row("model hash", Hash(baseline.ModelHash), Hash(faulty.ModelHash));
        Row("final models identical", "", $"**{YesNo(identical)}**");
        Line();

        Line($"## Timeline of the {Escape(faulty.Name)} run");
        Line();
        var events = Timeline(faulty);
        if (events.Count == 0) Line("No events.");
        else
        {
            Line("| step | time (s) | kind | event |");
            Line("|---:|---:|---|---|");
            // Numbered in the same order as Faults numbers them: the timeline's.
            int number = 0;
            foreach (var e in events)
            {
                string kind = e.Kind == RunEventKinds.Fault ? $"**fault {++number}**" : Escape(e.Kind);
                Line($"| {Count(e.Step)} | {Seconds(e.Seconds)} | {kind} | {Escape(e.Text)} |");
            }
        }
        Line();

        if (faults.Count > 0)
        {
            Line("### Detection and recovery");
            Line();
            Line("Delays are counted from the fault: to the first *detected* event after it, and to the first *recovered* event after that detection.");
            Line();
            Line("| fault | step | time (s) | detected after (s) | detected | recovered after (s) | recovered |");
            Line("|---|---:|---:|---:|---|---:|---|");
            foreach (var f in faults)
                Line($"| fault {f.Number}: {Escape(f.Fault.Text)} | {Count(f.Fault.Step)} | {Seconds(f.Fault.Seconds)} " +
                     $"| {Delay(f.DetectedAfterSeconds)} | {Described(f.Detected)} " +
                     $"| {Delay(f.RecoveredAfterSeconds)} | {Described(f.Recovered)} |");
            Line();
        }

        Line("## Counters");
        Line();
        var names = baseline.Counters.Keys.Union(faulty.Counters.Keys).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) Line("No counters.");
        else
        {
            Line($"| counter | {Escape(baseline.Name)} | {Escape(faulty.Name)} | difference |");
            Line("|---|---:|---:|---:|");
            foreach (var name in names)
            {
                long? a = baseline.Counters.TryGetValue(name, out var x) ? x : null;
                long? b = faulty.Counters.TryGetValue(name, out var y) ? y : null;
                string difference = a is { } av && b is { } bv ? Signed(bv - av, "0") : "—";
                Line($"| {Escape(name)} | {(a is { } c1 ? Count(c1) : "—")} | {(b is { } c2 ? Count(c2) : "—")} | {difference} |");
            }
        }
        Line();

        Line("## Loss");
        Line();
        Line($"![loss against step]({plotFileName})");
        Line();
        Line("Running epoch-mean training loss against global step; dashed red lines mark the faults.");
        return md.ToString();

        void Row(string what, string a, string b) => Line($"| {what} | {a} | {b} |");
    }

    /// <summary>
    /// Writes <see cref="PlotFile"/>, <see cref="JsonFile"/> and <see cref="MarkdownFile"/> into
    /// <paramref name="directory"/> (created if need be), each atomically, the Markdown last so
    /// that the picture it names is already there.
    /// </summary>
    public static ExperimentResult Write(string directory, string planDescription, string command, ExperimentRun baseline, ExperimentRun faulty)
    {
        Directory.CreateDirectory(directory);
        var result = ExperimentResult.Of(planDescription, command, baseline, faulty);
        StepLossPlot.Save(Path.Combine(directory, PlotFile),
            [Curve(baseline), Curve(faulty)],
            result.Faults.Select(f => ((double)f.Fault.Step, $"fault {f.Number}")).ToList(),
            $"training loss: {baseline.Name} vs {faulty.Name}");
        AtomicFile.Write(Path.Combine(directory, JsonFile), stream => JsonSerializer.Serialize(stream, result, JsonOptions));
        var markdown = Markdown(planDescription, command, baseline, faulty, PlotFile);
        AtomicFile.Write(Path.Combine(directory, MarkdownFile), stream => stream.Write(new UTF8Encoding(false).GetBytes(markdown)));
        return result;
    }

    /// <summary>Reads a <see cref="JsonFile"/> back; a file that is not one is an <see cref="InvalidDataException"/>.</summary>
    public static ExperimentResult ReadJson(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return JsonSerializer.Deserialize<ExperimentResult>(stream, JsonOptions)
                ?? throw new InvalidDataException($"{path}: not an experiment report (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an experiment report: {e.Message}", e);
        }
    }

    private static (string, IReadOnlyList<(double, double)>) Curve(ExperimentRun run) =>
        (run.Name, run.Steps.Select(s => ((double)s.Step, s.RunningLoss)).ToList());

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string LastStep(ExperimentRun run) => run.Steps.Count == 0 ? "—" : Count(run.Steps.Max(s => s.Step));

    private static string Count(long value) => value.ToString(Invariant);

    private static string Seconds(double value) => value.ToString("0.00", Invariant);

    private static string Delay(double? value) => value is { } v ? v.ToString("0.000", Invariant) : "—";

    private static string Signed(double value, string format) =>
        (value > 0 ? "+" : "") + value.ToString(format, Invariant);

    private static string Loss(double? value) => value switch
    {
        null => "—",
        { } v when !double.IsFinite(v) => v.ToString(Invariant),
        { } v when v == 0 || Math.Abs(v) >= 1e-3 => v.ToString("0.000000", Invariant),
        { } v => v.ToString("0.000E+0", Invariant),
    };

    private static string Accuracy(double? fraction) =>
        fraction is { } f ? (100 * f).ToString("0.00", Invariant) + " %" : "—";

    private static string Hash(string hash) => string.IsNullOrEmpty(hash) ? "—" : $"`{hash.Replace("`", "'")}`";

    private static string Described(RunEvent? e) => e is null ? "—" : $"step {Count(e.Step)}: {Escape(e.Text)}";

    /// <summary>Text made safe for a table cell: one line, no column separators.</summary>
    private static string Escape(string text) =>
        text.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ').Replace("|", "\\|");

    /// <summary>A code fence longer than any run of backticks in the text.</summary>
    private static string Fence(string text)
    {
        int longest = 0, run = 0;
        foreach (char c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return new string('`', Math.Max(3, longest + 1));
    }
}
