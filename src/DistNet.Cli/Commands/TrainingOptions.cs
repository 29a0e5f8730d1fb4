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
    /// <summary>--task-timeout's limit in seconds (~32 years: "never" in practice); a TimeSpan cannot hold 10^12.</summary>
    private const double MaxTaskTimeout = 1e9;

    public Option<string> Data { get; } = CommonOptions.Data();
    public Option<string> Hidden { get; } = CommonOptions.Hidden();
    public ModelTrainingOptions Model { get; } = new();
    public Option<string> Mode { get; } = CommonOptions.Mode();
    public Option<int> Staleness { get; } = CommonOptions.Staleness();
    public Option<int> BackupWorkers { get; } = CommonOptions.BackupWorkers();
    public Option<int> SyncEvery { get; } = CommonOptions.SyncEvery();
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
        Data, .. Model.DataOptions, Hidden, .. Model.ModelAndTrainerOptions,
        Mode, Staleness, BackupWorkers, SyncEvery, TaskTimeout,
        Faults, Fault, CheckpointDir, CheckpointEvery, Resume,
        ModelOut, MetricsOut, MetricsPort, TraceOut, Init,
    ];

    /// <param name="workers">Workers the server waits for (in process: --workers; on a cluster: --min-workers).</param>
    public TrainingRequest Bind(ParseResult parse, int workers)
    {
        var dataOptions = Model.BindData(parse);
        var trainer = Model.BindTrainer(parse);
        CommonOptions.Require(parse.GetValue(TaskTimeout) is null or (> 0 and <= MaxTaskTimeout), $"--task-timeout must be positive and at most {MaxTaskTimeout:0e0} seconds");
        CommonOptions.Require(parse.GetValue(CheckpointEvery) >= 1, "--checkpoint-every must be at least 1");
        CommonOptions.Require(parse.GetValue(MetricsPort) is null or (>= 1 and <= 65535), "--metrics-port must be between 1 and 65535");
        var plan = LoadPlan(parse.GetValue(Faults), parse.GetValue(Fault) ?? [], trainer.Seed);
        var checkpoints = Checkpoints(parse.GetValue(CheckpointDir), parse.GetValue(Resume), parse.GetValue(CheckpointEvery));
        var hiddenSizes = CommonOptions.ParseHidden(parse.GetValue(Hidden)!);
        var hiddenActivation = Model.BindActivation(parse);
        var lossKind = Model.BindLoss(parse);

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
        catch (ArgumentException e) { throw UsageException.From(e); }

        string spec = parse.GetValue(Data)!;
        var split = LoadSplit(spec, dataOptions);
        var start = StartingModel(parse.GetValue(Init), split.Train, hiddenSizes, hiddenActivation, lossKind,
            !parse.GetValue(Model.NoBias), parse.GetValue(Model.Standardize), trainer.Seed);
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
            throw UsageException.From(e);
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
        int outputs = ModelTrainingOptions.Outputs(train, loss);
        var architecture = Architecture.Create(train.FeatureCount, hidden, activation, outputs, loss, bias);
        var transform = standardize ? InputTransform.Standardize(train) : null;
        return new Model(Mlp.Initialize(architecture, seed), transform, train.Classes);
    }
}
