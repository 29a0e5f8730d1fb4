using System.CommandLine;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Models;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Hosting;

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
    string? TraceOut = null);

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
    public Option<double> TaskTimeout { get; } = CommonOptions.TaskTimeout();
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
        CommonOptions.Require(parse.GetValue(TaskTimeout) > 0, "--task-timeout must be positive");
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
            TaskTimeout = TimeSpan.FromSeconds(parse.GetValue(TaskTimeout)),
        };
        try { LocalTraining.Validate(trainer, distributed); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        Blas.SetThreadCount(parse.GetValue(Threads));

        string spec = parse.GetValue(Data)!;
        var split = LoadSplit(spec, dataOptions);
        var start = StartingModel(parse.GetValue(Init), split.Train, hiddenSizes, hiddenActivation, lossKind,
            !parse.GetValue(NoBias), parse.GetValue(Standardize), parse.GetValue(Seed));
        var prepared = new DataSplit(start.Prepare(split.Train), start.Prepare(split.Validation), start.Prepare(split.Test));
        return new TrainingRequest(spec, dataOptions, prepared, start, trainer, distributed,
            parse.GetValue(ModelOut), parse.GetValue(MetricsOut), parse.GetValue(MetricsPort), parse.GetValue(TraceOut));
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
