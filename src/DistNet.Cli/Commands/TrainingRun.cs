using DistNet.Cli.Console;
using DistNet.Cli.Telemetry;
using DistNet.Core.Linear;
using DistNet.Core.Models;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Faults;
using DistNet.Training.Hosting;
using DistNet.Training.Telemetry;

namespace DistNet.Cli.Commands;

/// <summary>
/// What every training run prints and writes, wherever its actors run: the header, progress,
/// the ledger and fault counters, the straggler report, the test score, the model file; and what it
/// serves and records on the way (--metrics-port, --trace-out, --metrics-out).
/// </summary>
public static class TrainingRun
{
    public static int Execute(TrainingRequest request, TextWriter output, string placement,
        Func<ITrainingObserver, RunTelemetry, FaultInjector?, DistributedResult> train)
    {
        var (prepared, start, settings, distributed) = (request.Prepared, request.Start, request.Trainer, request.Distributed);
        var architecture = start.Network.Architecture;
        output.WriteLine($"data {request.DataSpec}: {prepared.Train.Count} train, {prepared.Validation.Count} validation, {prepared.Test.Count} test samples, {architecture.InputSize} features");
        output.WriteLine($"model {architecture}, {start.Network.Parameters.Length:N0} parameters; {Optimizer.Name(settings.Optimizer.Kind)} lr {settings.Optimizer.LearningRate}, batch {settings.BatchSize}, {settings.Epochs} epochs");
        output.WriteLine($"{placement}, {Describe(distributed, settings)}; BLAS: {Blas.Backend}, {Blas.ThreadCount} thread{(Blas.ThreadCount == 1 ? "" : "s")}");

        using var telemetry = StartTelemetry(request);
        using var endpoint = request.MetricsPort is { } port ? MetricsEndpoint.Start(telemetry.Instruments.Meter, port) : null;
        if (endpoint is not null) output.WriteLine($"metrics at {endpoint.Url}");

        var injector = request.NewInjector();
        if (injector is not null)
            foreach (var line in injector.Plan.Describe()) output.WriteLine($"fault plan: {line}");
        if (request.Checkpoints is { } checkpoints)
            output.WriteLine(checkpoints.Resume
                ? $"resuming from the last good checkpoint in {checkpoints.Directory}; checkpoints every {checkpoints.Every} steps"
                : $"checkpoints every {checkpoints.Every} steps in {checkpoints.Directory}");

        DistributedResult result;
        using (var metrics = request.MetricsOut is { } metricsPath ? new MetricsWriter(metricsPath) : null)
        using (var progress = TrainingProgress.For(output, settings.Epochs))
            result = train(new CompositeObserver(progress, metrics), telemetry, injector);
        var trained = start with { Network = result.Model };

        if (result.Finished.StoppedEarly) output.WriteLine($"early stop: no better validation loss for {settings.Patience} epochs; keeping epoch {result.Finished.BestEpoch}");
        ReportRun(output, result, distributed);
        if (injector is not null) ReportFaults(output, injector);
        foreach (var line in telemetry.Straggler.Lines()) output.WriteLine(line);
        if (telemetry.Trace is { } trace)
        {
            trace.Close();
            output.WriteLine(trace.Error ?? $"trace written to {trace.Path} ({trace.EventCount:N0} events; open it in https://ui.perfetto.dev or chrome://tracing)");
        }
        var evaluation = Evaluation.Of(trained.Network, prepared.Test.Count > 0 ? prepared.Test : prepared.Train, settings.Penalty);
        string which = prepared.Test.Count > 0 ? "test" : "train (no test split)";
        output.WriteLine(evaluation.Accuracy is { } accuracy
            ? $"{which}: loss {evaluation.Loss:F4}, accuracy {accuracy:F4} ({evaluation.Samples} samples)"
            : $"{which}: loss {evaluation.Loss:F4} ({evaluation.Samples} samples)");
        if (request.ModelOut is { } path)
        {
            ModelFile.Save(trained, path);
            output.WriteLine($"model written to {path}");
        }
        return ExitCodes.Ok;
    }

    private static RunTelemetry StartTelemetry(TrainingRequest request)
    {
        try
        {
            return new RunTelemetry(request.TraceOut);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--trace-out {request.TraceOut}: {e.Message}");
        }
    }

    private static string Describe(DistributedSettings d, TrainerSettings t) => d.Mode switch
    {
        TrainingMode.Sync when d.SyncEvery > 1 => $"local SGD averaging every {d.SyncEvery} steps",
        TrainingMode.Sync when d.BackupWorkers > 0 => $"sync with {d.BackupWorkers} backup worker{(d.BackupWorkers == 1 ? "" : "s")}",
        TrainingMode.Sync => $"sync, {t.MicroShards} micro-shards per batch",
        TrainingMode.Ssp => $"ssp, staleness bound {d.Staleness}",
        _ => "async",
    };

    /// <summary>One line per fault of the plan: how often it took effect, and first at which step.</summary>
    private static void ReportFaults(TextWriter output, FaultInjector injector)
    {
        var fired = injector.Fired;
        var plan = injector.Plan.Describe();
        for (int i = 0; i < plan.Count; i++)
        {
            var mine = fired.Where(f => f.FaultIndex == i).ToList();
            output.WriteLine(mine.Count == 0
                ? $"{plan[i]}: never took effect"
                : $"{plan[i]}: took effect {mine.Count} time{(mine.Count == 1 ? "" : "s")}, first at step {mine[0].Step} ({mine[0].Text})");
        }
    }

    private static void ReportRun(TextWriter output, DistributedResult result, DistributedSettings distributed)
    {
        var s = result.Stats;
        var ledger = result.Finished.Ledger;
        output.WriteLine(result.LedgerExactlyOnce
            ? $"ledger: every sample contributed exactly once in each of {ledger.Length} epochs"
            : $"ledger: {ledger.Sum(e => e.Missing)} sample-epochs missing, {ledger.Sum(e => e.Repeated)} repeated" +
              (distributed.BackupWorkers > 0 ? " (backup workers drop late gradients by design)" : ""));
        var events = new List<string>();
        if (s.WorkersLost > 0) events.Add($"{s.WorkersLost} workers lost");
        if (s.Registrations > distributed.Workers) events.Add($"{s.Registrations - distributed.Workers} late or repeated registrations");
        if (s.Reassigned > 0) events.Add($"{s.Reassigned} tasks reassigned");
        if (s.TimedOut > 0) events.Add($"{s.TimedOut} timed out");
        if (s.StaleAnswers > 0) events.Add($"{s.StaleAnswers} stale answers ignored");
        if (s.DuplicateShards > 0) events.Add($"{s.DuplicateShards} duplicates ignored");
        if (s.RefusedGradients > 0) events.Add($"{s.RefusedGradients} gradients refused (NaN, ∞ or larger than {distributed.MaxGradient:0e0})");
        if (s.ServerRestarts > 0) events.Add($"{s.ServerRestarts} server restarts");
        if (s.ResumedFromStep >= 0) events.Add($"resumed from the checkpoint of step {s.ResumedFromStep}");
        if (s.CheckpointsWritten > 0)
            events.Add($"{s.CheckpointsWritten} checkpoints written ({s.CheckpointSeconds * 1e3 / s.CheckpointsWritten:F1} ms of training each, {s.CheckpointWriteSeconds * 1e3 / s.CheckpointsWritten:F1} ms in the background)");
        if (s.DroppedLate > 0) events.Add($"{s.DroppedLate} late gradients dropped");
        if (distributed.Mode != TrainingMode.Sync) events.Add($"staleness mean {s.MeanStaleness:F2}, max {s.MaxStaleness}");
        output.WriteLine($"{s.Updates} updates, {s.TasksSent} tasks" + (events.Count > 0 ? "; " + string.Join(", ", events) : ""));
        if (s.TasksPerWorker.Count > 1)
            output.WriteLine("tasks per worker: " + string.Join(", ", s.TasksPerWorker.Select(t => $"{t.Key}: {t.Value}")));
    }
}
