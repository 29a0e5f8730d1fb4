using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DistNet.Cli.Console;
using DistNet.Cli.Experiment;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Faults;
using DistNet.Training.Hosting;
using DistNet.Training.Server;

namespace DistNet.Cli.Commands;

/// <summary>
/// `distnet experiment PLAN [training options]`: the fault-free run and the faulty run with the
/// same seed and options, one after the other, then a report (Markdown, JSON, a loss plot) of what
/// the faults cost: when each was noticed, when training was past it, steps redone, time lost,
/// final scores, and whether the two models are the same bits.
/// </summary>
public static class ExperimentCommand
{
    public static Command Create(TextWriter output)
    {
        var options = new TrainingOptions();
        var plan = new Argument<string>("plan") { Description = "The fault plan (JSON; docs/faults.md)" };
        var workers = CommonOptions.Workers();
        workers.DefaultValueFactory = _ => 3;
        var outDir = new Option<string>("--out") { Description = "Directory for report.md, report.json and loss.png", DefaultValueFactory = _ => "experiment" };
        var command = new Command("experiment", "Run training without and with a fault plan (same seed) and report what the faults cost");
        command.Add(plan);
        foreach (var option in options.All.Where(o => o != options.Faults && o != options.Resume)) command.Add(option);
        command.Add(workers);
        command.Add(outDir);
        command.SetAction(parse =>
        {
            var request = options.Bind(parse, parse.GetValue(workers));
            FaultPlan faults;
            try { faults = FaultPlan.Load(parse.GetValue(plan)!); }
            catch (FaultPlanException e) { throw new UsageException(e.Message); }
            if (request.Faults is { } extra) faults = faults.Concat(extra);
            faults = faults.WithDefaultSeed(request.Trainer.Seed);
            try { faults.CheckWorkers(request.Distributed.Workers); }
            catch (FaultPlanException e) { throw new UsageException(e.Message); }
            string directory = parse.GetValue(outDir)!;
            var distributed = request.Distributed;
            if (parse.GetValue(options.TaskTimeout) is null && faults.Faults.Any(f => f is DropMessages or Partition))
                distributed = distributed with { TaskTimeout = TimeSpan.FromSeconds(1) };

            // A crashed server resumes from a checkpoint: give both runs the same checkpointing, so the time lost is the fault's.
            bool checkpoints = request.Checkpoints is not null || faults.Faults.Any(f => f is CrashServer);
            int every = request.Checkpoints?.Every ?? parse.GetValue(options.CheckpointEvery);
            CheckpointSettings? Checkpoints(string name)
            {
                if (!checkpoints) return null;
                var path = Path.Combine(directory, name);
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return new CheckpointSettings(path, every);
            }

            string commandLine = "distnet " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(Quote));
            output.WriteLine($"experiment: {faults.Faults.Count} fault{(faults.Faults.Count == 1 ? "" : "s")}, {distributed.Workers} workers, seed {request.Trainer.Seed}");
            foreach (var line in faults.Describe()) output.WriteLine($"  {line}");
            var baseline = Run("baseline", request, distributed, null, Checkpoints("baseline-checkpoints"), output);
            var injector = new FaultInjector(faults, EpochPlan.BatchesPerEpoch(request.Prepared.Train.Count, request.Trainer.BatchSize));
            var faulty = Run("faulty", request, distributed, injector, Checkpoints("faulty-checkpoints"), output);

            var result = ExperimentReport.Write(directory, string.Join('\n', faults.Describe()), commandLine, baseline, faulty);
            output.WriteLine($"final models identical: {(result.ModelsIdentical ? "yes" : "no")}; time lost {result.TimeLostSeconds.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} s");
            const int Shown = 12;
            foreach (var f in result.Faults.Take(Shown))
                output.WriteLine($"  fault {f.Number} at step {f.Fault.Step}: {f.Fault.Text}; detected " +
                    (f.DetectedAfterSeconds is { } d ? $"after {d:F3} s" : "—") + ", recovered " + (f.RecoveredAfterSeconds is { } r ? $"after {r:F3} s" : "—"));
            if (result.Faults.Count > Shown) output.WriteLine($"  … and {result.Faults.Count - Shown} more in the report");
            output.WriteLine($"report written to {Path.Combine(directory, ExperimentReport.MarkdownFile)} (plot: {ExperimentReport.PlotFile})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Quote(string arg) => arg.Any(char.IsWhiteSpace) ? $"\"{arg}\"" : arg;

    private static ExperimentRun Run(string name, TrainingRequest request, DistributedSettings distributed, FaultInjector? injector,
        CheckpointSettings? checkpoints, TextWriter output)
    {
        output.WriteLine($"{name} run:");
        var recorder = new RunRecorder(EpochPlan.BatchesPerEpoch(request.Prepared.Train.Count, request.Trainer.BatchSize));
        if (injector is not null) injector.FaultFired += recorder.OnFault;
        DistributedResult result;
        using (var progress = TrainingProgress.For(output, request.Trainer.Epochs))
            result = LocalTraining.Run(request.Start.Network, request.Prepared.Train, request.Prepared.Validation, request.Trainer,
                distributed, new CompositeObserver(progress, recorder), injector: injector, checkpoints: checkpoints);
        double wall = recorder.Seconds;
        var test = request.Prepared.Test.Count > 0 ? Evaluation.Of(result.Model, request.Prepared.Test, request.Trainer.Penalty) : null;
        var s = result.Stats;
        var counters = new SortedDictionary<string, long>
        {
            ["updates"] = s.Updates, ["tasks sent"] = s.TasksSent, ["tasks timed out"] = s.TimedOut, ["tasks reassigned"] = s.Reassigned,
            ["gradients refused"] = s.RefusedGradients, ["stale answers ignored"] = s.StaleAnswers, ["duplicate shards ignored"] = s.DuplicateShards,
            ["workers lost"] = s.WorkersLost, ["registrations"] = s.Registrations, ["server restarts"] = s.ServerRestarts,
            ["checkpoints written"] = s.CheckpointsWritten,
        };
        long planned = (long)request.Trainer.Epochs * EpochPlan.BatchesPerEpoch(request.Prepared.Train.Count, request.Trainer.BatchSize);
        output.WriteLine($"  {name}: {wall:F2} s, {s.Updates} updates" + (test?.Accuracy is { } a ? $", test accuracy {a:F4}" : ""));
        return new ExperimentRun(name, recorder.Steps, recorder.Events, wall, result.History.Count > 0 ? result.History[^1].Loss : double.NaN,
            test?.Loss, test?.Accuracy, Hash(result.Model.Parameters), Math.Max(0, s.Updates - planned), result.LedgerExactlyOnce, counters);
    }

    private static string Hash(float[] parameters) =>
        Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(parameters.AsSpan())))[..16].ToLowerInvariant();

    /// <summary>
    /// Steps and events of one run on one clock. A notice from the server is classified as a
    /// detection (the server noticed something wrong) or a recovery (a worker back, a checkpoint
    /// resumed); and the first step completed after a detection is recorded as recovery too: training is past it.
    /// </summary>
    private sealed class RunRecorder(int batchesPerEpoch) : ITrainingObserver
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<StepPoint> _steps = new();
        private readonly List<RunEvent> _events = new();
        private long _step;
        private bool _awaitingProgress;

        public double Seconds => _clock.Elapsed.TotalSeconds;
        public IReadOnlyList<StepPoint> Steps { get { lock (_events) return _steps.ToArray(); } }
        public IReadOnlyList<RunEvent> Events { get { lock (_events) return _events.ToArray(); } }

        public void OnBatch(int epoch, int batch, int batchesInEpoch, double runningLoss)
        {
            lock (_events)
            {
                _step = (long)(epoch - 1) * batchesPerEpoch + batch;
                _steps.Add(new StepPoint(_step, runningLoss, Seconds));
                if (_awaitingProgress)
                {
                    _events.Add(new RunEvent(_step, Seconds, RunEventKinds.Recovered, $"step {_step} completed"));
                    _awaitingProgress = false;
                }
            }
        }

        public void OnNotice(string message)
        {
            if (message.StartsWith("fault:", StringComparison.Ordinal)) return; // the injector reports faults itself
            string kind = message.Contains(" lost (") || message.Contains("did not answer within") || message.Contains("refused")
                          || message.Contains("parameter server restarted")
                ? RunEventKinds.Detected
                : message.Contains("resumed from") || message.Contains(" joined (") || message.EndsWith(" restarted", StringComparison.Ordinal)
                    ? RunEventKinds.Recovered
                    : RunEventKinds.Note;
            lock (_events)
            {
                _events.Add(new RunEvent(_step + 1, Seconds, kind, message));
                if (kind == RunEventKinds.Detected) _awaitingProgress = true;
            }
        }

        private readonly HashSet<(int, long)> _faultSteps = new();

        /// <summary>
        /// A message fault may hit many messages of one step: one event per fault and step is enough.
        /// Delays, duplicates and slow workers are not failures for the server to detect; they go in
        /// the timeline as notes, so that a later detection is not credited to them.
        /// </summary>
        public void OnFault(FiredFault fault)
        {
            bool failure = !(fault.Text.StartsWith("delayed", StringComparison.Ordinal) || fault.Text.StartsWith("duplicated", StringComparison.Ordinal)
                             || fault.Text.StartsWith("slowed", StringComparison.Ordinal));
            lock (_events)
                if (_faultSteps.Add((fault.FaultIndex, fault.Step)))
                    _events.Add(new RunEvent(fault.Step, Seconds, failure ? RunEventKinds.Fault : RunEventKinds.Note, $"faults[{fault.FaultIndex}]: {fault.Text}"));
        }
    }
}
