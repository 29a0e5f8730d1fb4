using System.CommandLine;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Models;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Core.Checkpoints;
using DistNet.Training.Faults;
using DistNet.Training.Hosting;
using DistNet.Training.Server;

namespace DistNet.Cli.Commands;

/// <summary>Everything a training run needs, bound and checked from the command line.</summary>
public sealed record TrainingRequest(
    string DataSpec,
    DataOptions DataOptions,
    DataSplit Prepared,
    Model Start,
    TrainerSettings Trainer,
    DistributedSettings Distributed,
    string? ModelOut,
    string? MetricsOut,
    int? MetricsPort = null,
    string? TraceOut = null,
    FaultPlan? Faults = null,
    CheckpointSettings? Checkpoints = null)
{
    /// <summary>The fault plan's runtime for this run's schedule, or null without a plan.</summary>
    public FaultInjector? NewInjector() => Faults is null ? null
        : new FaultInjector(Faults, EpochPlan.BatchesPerEpoch(Prepared.Train.Count, Trainer.BatchSize));
}

/// <summary>
/// The options of a training run, shared by `train` and by the parameter-server node, and
/// their binding into a <see cref="TrainingRequest"/>: data loaded, model built, settings checked.
/// </summary>
public sealed class TrainingOptions
{
    public Option<string> Data { get; } = CommonOptions.Data();
    public Option<double> Validation { get; } = CommonOptions.Validation();
    public Option<double> Test { get; } = CommonOptions.Test();
    public Option<int> Samples { get; } = CommonOptions.Samples();
    public Option<double?> Noise { get; } = CommonOptions.Noise();
    public Option<string?> LabelColumn { get; } = CommonOptions.LabelColumn();
    public Option<long> Seed { get; } = CommonOptions.Seed();
    public Option<string> Hidden { get; } = CommonOptions.Hidden();
    public Option<string> Activation { get; } = CommonOptions.Activation();
    public Option<string> Loss { get; } = CommonOptions.Loss();
    public Option<bool> NoBias { get; } = CommonOptions.NoBias();
    public Option<string> Optimizer { get; } = CommonOptions.Optimizer();
    public Option<double> LearningRate { get; } = CommonOptions.LearningRate();
    public Option<double> Momentum { get; } = CommonOptions.Momentum();
    public Option<int> Batch { get; } = CommonOptions.Batch();
    public Option<int> Epochs { get; } = CommonOptions.Epochs();
    public Option<double> L1 { get; } = CommonOptions.L1();
    public Option<double> L2 { get; } = CommonOptions.L2();
    public Option<int> Patience { get; } = CommonOptions.Patience();
    public Option<bool> NoShuffle { get; } = CommonOptions.NoShuffle();
    public Option<bool> Standardize { get; } = CommonOptions.Standardize();
    public Option<int> Threads { get; } = CommonOptions.Threads();
    public Option<string> Mode { get; } = CommonOptions.Mode();
    public Option<int> Staleness { get; } = CommonOptions.Staleness();
    public Option<int> BackupWorkers { get; } = CommonOptions.BackupWorkers();
    public Option<int> SyncEvery { get; } = CommonOptions.SyncEvery();
    public Option<int> MicroShards { get; } = CommonOptions.MicroShards();
    public Option<double?> TaskTimeout { get; } = CommonOptions.TaskTimeout();
    public Option<string?> Faults { get; } = CommonOptions.Faults();
    public Option<string[]> Fault { get; } = CommonOptions.Fault();
    public Option<string?> CheckpointDir { get; } = CommonOptions.CheckpointDir();
    public Option<int> CheckpointEvery { get; } = CommonOptions.CheckpointEvery();
    public Option<string?> Resume { get; } = CommonOptions.Resume();
    public Option<string?> ModelOut { get; } = CommonOptions.ModelOut();
    public Option<string?> MetricsOut { get; } = CommonOptions.MetricsOut();
    public Option<int?> MetricsPort { get; } = CommonOptions.MetricsPort();
    public Option<string?> TraceOut { get; } = CommonOptions.TraceOut();
    public Option<string?> Init { get; } = CommonOptions.Init();

    public IEnumerable<Option> All =>
    [
        Data, Validation, Test, Samples, Noise, LabelColumn, Seed,
        Hidden, Activation, Loss, NoBias,
        Optimizer, LearningRate, Momentum, Batch, Epochs, L1, L2, Patience, NoShuffle, Standardize, Threads,
        Mode, Staleness, BackupWorkers, SyncEvery, MicroShards, TaskTimeout,
        Faults, Fault, CheckpointDir, CheckpointEvery, Resume,
        ModelOut, MetricsOut, MetricsPort, TraceOut, Init,
    ];

    /// <param name="workers">Workers the server waits for (in process: --workers; on a cluster: --min-workers).</param>
    public TrainingRequest Bind(ParseResult parse, int workers)
    {
        var dataOptions = new DataOptions
        {
            Seed = parse.GetValue(Seed), Validation = parse.GetValue(Validation), Test = parse.GetValue(Test),
            Samples = parse.GetValue(Samples), Noise = parse.GetValue(Noise), LabelColumn = parse.GetValue(LabelColumn),
        };
        CommonOptions.Require(parse.GetValue(Batch) > 0, "--batch must be at least 1");
        CommonOptions.Require(parse.GetValue(Epochs) >= 0, "--epochs cannot be negative");
        CommonOptions.Require(parse.GetValue(LearningRate) > 0 && double.IsFinite(parse.GetValue(LearningRate)), "--lr must be a positive number");
        CommonOptions.Require(parse.GetValue(L1) >= 0 && parse.GetValue(L2) >= 0, "--l1 and --l2 cannot be negative");
        CommonOptions.Require(parse.GetValue(Threads) >= 1, "--threads must be at least 1");
        CommonOptions.Require(parse.GetValue(Patience) >= 0, "--patience cannot be negative");
        CommonOptions.Require(parse.GetValue(TaskTimeout) is null or > 0, "--task-timeout must be positive");
        CommonOptions.Require(parse.GetValue(CheckpointEvery) >= 1, "--checkpoint-every must be at least 1");
        var plan = LoadPlan(parse.GetValue(Faults), parse.GetValue(Fault) ?? [], parse.GetValue(Seed));
        var checkpoints = Checkpoints(parse.GetValue(CheckpointDir), parse.GetValue(Resume), parse.GetValue(CheckpointEvery));
        CommonOptions.Require(parse.GetValue(MetricsPort) is null or (>= 1 and <= 65535), "--metrics-port must be between 1 and 65535");
        var hiddenSizes = CommonOptions.ParseHidden(parse.GetValue(Hidden)!);
        var hiddenActivation = CommonOptions.ParseActivation(parse.GetValue(Activation)!);
        var lossKind = CommonOptions.ParseLoss(parse.GetValue(Loss)!);
        var optimizerKind = CommonOptions.ParseOptimizer(parse.GetValue(Optimizer)!);

        var trainer = new TrainerSettings
        {
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(Batch),
            Shuffle = !parse.GetValue(NoShuffle),
            Seed = parse.GetValue(Seed),
            Penalty = new Penalty(parse.GetValue(L1), parse.GetValue(L2)),
            Optimizer = new OptimizerSettings(optimizerKind, parse.GetValue(LearningRate), parse.GetValue(Momentum)),
            Patience = parse.GetValue(Patience),
            MicroShards = parse.GetValue(MicroShards),
        };
        var distributed = new DistributedSettings
        {
            Mode = CommonOptions.ParseMode(parse.GetValue(Mode)!),
            Workers = workers,
            Staleness = parse.GetValue(Staleness),
            BackupWorkers = parse.GetValue(BackupWorkers),
            SyncEvery = parse.GetValue(SyncEvery),
            // A lost message is only noticed by its timeout: with a plan that drops messages, 30 s would stall every step it hits.
            TaskTimeout = TimeSpan.FromSeconds(parse.GetValue(TaskTimeout) ?? (plan?.Faults.Any(f => f is DropMessages or Partition) == true ? 1 : 30)),
        };
        if (checkpoints is not null && (distributed.Mode != TrainingMode.Sync || distributed.BackupWorkers > 0 || distributed.SyncEvery > 1))
            throw new UsageException("--checkpoint-dir and --resume need --mode sync without --backup-workers or --sync-every");
        try { plan?.CheckWorkers(workers); }
        catch (FaultPlanException e) { throw new UsageException(e.Message); }
        try { LocalTraining.Validate(trainer, distributed); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        Blas.SetThreadCount(parse.GetValue(Threads));

        string spec = parse.GetValue(Data)!;
        var split = LoadSplit(spec, dataOptions);
        var start = StartingModel(parse.GetValue(Init), split.Train, hiddenSizes, hiddenActivation, lossKind,
            !parse.GetValue(NoBias), parse.GetValue(Standardize), parse.GetValue(Seed));
        var prepared = new DataSplit(start.Prepare(split.Train), start.Prepare(split.Validation), start.Prepare(split.Test));
        return new TrainingRequest(spec, dataOptions, prepared, start, trainer, distributed,
            parse.GetValue(ModelOut), parse.GetValue(MetricsOut), parse.GetValue(MetricsPort), parse.GetValue(TraceOut), plan, checkpoints);
    }

    private static FaultPlan? LoadPlan(string? file, string[] faults, long seed)
    {
        try
        {
            var plan = file is null ? null : FaultPlan.Load(file);
            if (faults.Length > 0)
            {
                var options = FaultPlan.ParseOptions(faults, firstIndex: plan?.Faults.Count ?? 0);
                plan = plan is null ? options : plan.Concat(options);
            }
            return plan?.WithDefaultSeed(seed);
        }
        catch (FaultPlanException e) { throw new UsageException(e.Message); }
    }

    /// <summary>
    /// --checkpoint-dir alone starts a fresh run there, so it must hold no checkpoints (their newer
    /// steps would be pruned); --resume continues in its directory.
    /// </summary>
    private static CheckpointSettings? Checkpoints(string? directory, string? resume, int every)
    {
        if (resume is not null)
        {
            if (directory is not null && Path.GetFullPath(directory) != Path.GetFullPath(resume))
                throw new UsageException($"--resume {resume} and --checkpoint-dir {directory} differ: a resumed run keeps writing where it resumed from");
            if (!Directory.Exists(resume)) throw new UsageException($"--resume {resume}: no such directory");
            return new CheckpointSettings(resume, every, Resume: true);
        }
        if (directory is null) return null;
        if (Directory.Exists(directory) && new CheckpointStore(directory).ListFiles() is { Count: > 0 } existing)
            throw new UsageException($"--checkpoint-dir {directory} already holds checkpoints (newest: step {existing[0].Version}); continue with --resume {directory}, or use an empty directory");
        return new CheckpointSettings(directory, every);
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
