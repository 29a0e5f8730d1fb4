using System.CommandLine;
using DistNet.Cli.Console;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Models;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Hosting;

namespace DistNet.Cli.Commands;

public static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var data = CommonOptions.Data();
        var validation = CommonOptions.Validation();
        var test = CommonOptions.Test();
        var samples = CommonOptions.Samples();
        var noise = CommonOptions.Noise();
        var labelColumn = CommonOptions.LabelColumn();
        var seed = CommonOptions.Seed();
        var hidden = CommonOptions.Hidden();
        var activation = CommonOptions.Activation();
        var loss = CommonOptions.Loss();
        var noBias = CommonOptions.NoBias();
        var optimizer = CommonOptions.Optimizer();
        var lr = CommonOptions.LearningRate();
        var momentum = CommonOptions.Momentum();
        var batch = CommonOptions.Batch();
        var epochs = CommonOptions.Epochs();
        var l1 = CommonOptions.L1();
        var l2 = CommonOptions.L2();
        var patience = CommonOptions.Patience();
        var noShuffle = CommonOptions.NoShuffle();
        var standardize = CommonOptions.Standardize();
        var threads = CommonOptions.Threads();
        var modelOut = CommonOptions.ModelOut();
        var metricsOut = CommonOptions.MetricsOut();
        var init = CommonOptions.Init();
        var workers = CommonOptions.Workers();
        var mode = CommonOptions.Mode();
        var staleness = CommonOptions.Staleness();
        var backupWorkers = CommonOptions.BackupWorkers();
        var syncEvery = CommonOptions.SyncEvery();
        var microShards = CommonOptions.MicroShards();
        var taskTimeout = CommonOptions.TaskTimeout();

        var command = new Command("train", "Train a multilayer perceptron and report its test accuracy")
        {
            data, validation, test, samples, noise, labelColumn, seed,
            hidden, activation, loss, noBias,
            optimizer, lr, momentum, batch, epochs, l1, l2, patience, noShuffle, standardize, threads,
            workers, mode, staleness, backupWorkers, syncEvery, microShards, taskTimeout,
            modelOut, metricsOut, init,
        };
        command.SetAction(parse =>
        {
            var dataOptions = new DataOptions
            {
                Seed = parse.GetValue(seed), Validation = parse.GetValue(validation), Test = parse.GetValue(test),
                Samples = parse.GetValue(samples), Noise = parse.GetValue(noise), LabelColumn = parse.GetValue(labelColumn),
            };
            CommonOptions.Require(parse.GetValue(batch) > 0, "--batch must be at least 1");
            CommonOptions.Require(parse.GetValue(epochs) >= 0, "--epochs cannot be negative");
            CommonOptions.Require(parse.GetValue(lr) > 0 && double.IsFinite(parse.GetValue(lr)), "--lr must be a positive number");
            CommonOptions.Require(parse.GetValue(l1) >= 0 && parse.GetValue(l2) >= 0, "--l1 and --l2 cannot be negative");
            CommonOptions.Require(parse.GetValue(threads) >= 1, "--threads must be at least 1");
            CommonOptions.Require(parse.GetValue(patience) >= 0, "--patience cannot be negative");
            var hiddenSizes = CommonOptions.ParseHidden(parse.GetValue(hidden)!);
            var hiddenActivation = CommonOptions.ParseActivation(parse.GetValue(activation)!);
            var lossKind = CommonOptions.ParseLoss(parse.GetValue(loss)!);
            var optimizerKind = CommonOptions.ParseOptimizer(parse.GetValue(optimizer)!);
            Blas.SetThreadCount(parse.GetValue(threads));

            var split = LoadSplit(parse.GetValue(data)!, dataOptions);
            var start = StartingModel(parse.GetValue(init), split.Train, hiddenSizes, hiddenActivation, lossKind,
                !parse.GetValue(noBias), parse.GetValue(standardize), parse.GetValue(seed));
            var prepared = new DataSplit(start.Prepare(split.Train), start.Prepare(split.Validation), start.Prepare(split.Test));

            var settings = new TrainerSettings
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Shuffle = !parse.GetValue(noShuffle),
                Seed = parse.GetValue(seed),
                Penalty = new Penalty(parse.GetValue(l1), parse.GetValue(l2)),
                Optimizer = new OptimizerSettings(optimizerKind, parse.GetValue(lr), parse.GetValue(momentum)),
                Patience = parse.GetValue(patience),
                MicroShards = parse.GetValue(microShards),
            };
            CommonOptions.Require(parse.GetValue(taskTimeout) > 0, "--task-timeout must be positive");
            var distributed = new DistributedSettings
            {
                Mode = CommonOptions.ParseMode(parse.GetValue(mode)!),
                Workers = parse.GetValue(workers),
                Staleness = parse.GetValue(staleness),
                BackupWorkers = parse.GetValue(backupWorkers),
                SyncEvery = parse.GetValue(syncEvery),
                TaskTimeout = TimeSpan.FromSeconds(parse.GetValue(taskTimeout)),
            };
            try { LocalTraining.Validate(settings, distributed); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            var architecture = start.Network.Architecture;
            output.WriteLine($"data {parse.GetValue(data)}: {split.Train.Count} train, {split.Validation.Count} validation, {split.Test.Count} test samples, {architecture.InputSize} features");
            output.WriteLine($"model {architecture}, {start.Network.Parameters.Length:N0} parameters; {Optimizer.Name(optimizerKind)} lr {settings.Optimizer.LearningRate}, batch {settings.BatchSize}, {settings.Epochs} epochs");
            output.WriteLine($"{distributed.Workers} worker{(distributed.Workers == 1 ? "" : "s")}, {Describe(distributed, settings)}; BLAS: {Blas.Backend}, {Blas.ThreadCount} thread{(Blas.ThreadCount == 1 ? "" : "s")}");

            using var metrics = parse.GetValue(metricsOut) is { } metricsPath ? new MetricsWriter(metricsPath) : null;
            using var progress = TrainingProgress.For(output, settings.Epochs);
            var result = LocalTraining.Run(start.Network, prepared.Train, prepared.Validation, settings, distributed,
                new CompositeObserver(progress, metrics));
            progress.Dispose();
            start = start with { Network = result.Model };

            if (result.Finished.StoppedEarly) output.WriteLine($"early stop: no better validation loss for {settings.Patience} epochs; keeping epoch {result.Finished.BestEpoch}");
            ReportRun(output, result, distributed);
            var penalty = settings.Penalty;
            var evaluation = Evaluation.Of(start.Network, prepared.Test.Count > 0 ? prepared.Test : prepared.Train, penalty);
            string which = prepared.Test.Count > 0 ? "test" : "train (no test split)";
            output.WriteLine(evaluation.Accuracy is { } accuracy
                ? $"{which}: loss {evaluation.Loss:F4}, accuracy {accuracy:F4} ({evaluation.Samples} samples)"
                : $"{which}: loss {evaluation.Loss:F4} ({evaluation.Samples} samples)");
            if (parse.GetValue(modelOut) is { } path)
            {
                ModelFile.Save(start, path);
                output.WriteLine($"model written to {path}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Describe(DistributedSettings d, TrainerSettings t) => d.Mode switch
    {
        TrainingMode.Sync when d.SyncEvery > 1 => $"local SGD averaging every {d.SyncEvery} steps",
        TrainingMode.Sync when d.BackupWorkers > 0 => $"sync with {d.BackupWorkers} backup worker{(d.BackupWorkers == 1 ? "" : "s")}",
        TrainingMode.Sync => $"sync, {t.MicroShards} micro-shards per batch",
        TrainingMode.Ssp => $"ssp, staleness bound {d.Staleness}",
        _ => "async",
    };

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
        if (s.Registrations > distributed.Workers) events.Add($"{s.Registrations - distributed.Workers} re-registrations");
        if (s.Reassigned > 0) events.Add($"{s.Reassigned} tasks reassigned");
        if (s.TimedOut > 0) events.Add($"{s.TimedOut} timed out");
        if (s.StaleAnswers > 0) events.Add($"{s.StaleAnswers} stale answers ignored");
        if (s.DuplicateShards > 0) events.Add($"{s.DuplicateShards} duplicates ignored");
        if (s.RefusedGradients > 0) events.Add($"{s.RefusedGradients} non-finite gradients refused");
        if (s.DroppedLate > 0) events.Add($"{s.DroppedLate} late gradients dropped");
        if (distributed.Mode != TrainingMode.Sync) events.Add($"staleness mean {s.MeanStaleness:F2}, max {s.MaxStaleness}");
        output.WriteLine($"{s.Updates} updates, {s.TasksSent} tasks" + (events.Count > 0 ? "; " + string.Join(", ", events) : ""));
    }

    internal static DataSplit LoadSplit(string spec, DataOptions options)
    {
        try
        {
            return DataLoader.Load(spec, options);
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static Model StartingModel(string? initPath, Dataset train, int[] hidden, Activation activation, Loss loss,
        bool bias, bool standardize, long seed)
    {
        if (initPath is not null)
        {
            var saved = ModelFile.Load(initPath);
            Evaluation.CheckCompatible(saved.Network.Architecture, train);
            return saved;
        }
        int outputs;
        if (train.IsClassification) outputs = Losses.OutputUnits(loss, train.Classes!.Length);
        else
        {
            if (Losses.NeedsLabels(loss))
                throw new UsageException($"--loss {Losses.Name(loss)} needs class labels, but {train.Name} has real-valued targets (use mse or mae)");
            outputs = train.TargetCount;
        }
        var architecture = Architecture.Create(train.FeatureCount, hidden, activation, outputs, loss, bias);
        var transform = standardize ? InputTransform.Standardize(train) : null;
        return new Model(Mlp.Initialize(architecture, seed), transform, train.Classes);
    }
}
