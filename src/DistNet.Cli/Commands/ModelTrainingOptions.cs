using System.CommandLine;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;

namespace DistNet.Cli.Commands;

/// <summary>
/// The options that decide how one model is trained, whichever command trains it (`train`,
/// `node --role ps`, `experiment`, `sweep`, `boundary`): the data split, the activation and loss,
/// the optimiser and schedule. Declared once here, bound and checked once here.
/// </summary>
public sealed class ModelTrainingOptions
{
    public Option<double> Validation { get; } = CommonOptions.Validation();
    public Option<double> Test { get; } = CommonOptions.Test();
    public Option<int> Samples { get; } = CommonOptions.Samples();
    public Option<double?> Noise { get; } = CommonOptions.Noise();
    public Option<string?> LabelColumn { get; } = CommonOptions.LabelColumn();
    public Option<long> Seed { get; } = CommonOptions.Seed();
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
    public Option<int> MicroShards { get; } = CommonOptions.MicroShards();

    /// <summary>In --help order, after --data.</summary>
    public IEnumerable<Option> DataOptions => [Validation, Test, Samples, Noise, LabelColumn, Seed];

    /// <summary>In --help order, after --hidden.</summary>
    public IEnumerable<Option> ModelAndTrainerOptions =>
        [Activation, Loss, NoBias, Optimizer, LearningRate, Momentum, Batch, Epochs, L1, L2, Patience, NoShuffle, Standardize, Threads, MicroShards];

    public DataOptions BindData(ParseResult parse) => new()
    {
        Seed = parse.GetValue(Seed), Validation = parse.GetValue(Validation), Test = parse.GetValue(Test),
        Samples = parse.GetValue(Samples), Noise = parse.GetValue(Noise), LabelColumn = parse.GetValue(LabelColumn),
    };

    /// <summary>The checked trainer settings; also sets the BLAS thread count.</summary>
    public TrainerSettings BindTrainer(ParseResult parse)
    {
        CommonOptions.Require(parse.GetValue(Batch) > 0, "--batch must be at least 1");
        CommonOptions.Require(parse.GetValue(Epochs) >= 0, "--epochs cannot be negative");
        CommonOptions.Require(parse.GetValue(LearningRate) > 0 && double.IsFinite(parse.GetValue(LearningRate)), "--lr must be a positive number");
        CommonOptions.Require(parse.GetValue(L1) >= 0 && parse.GetValue(L2) >= 0, "--l1 and --l2 cannot be negative");
        CommonOptions.Require(parse.GetValue(Threads) >= 1, "--threads must be at least 1");
        CommonOptions.Require(parse.GetValue(Patience) >= 0, "--patience cannot be negative");
        CommonOptions.Require(parse.GetValue(MicroShards) >= 1, "--micro-shards must be at least 1");
        var optimizer = CommonOptions.ParseOptimizer(parse.GetValue(Optimizer)!);
        Blas.SetThreadCount(parse.GetValue(Threads));
        return new TrainerSettings
        {
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(Batch),
            Shuffle = !parse.GetValue(NoShuffle),
            Seed = parse.GetValue(Seed),
            Penalty = new Penalty(parse.GetValue(L1), parse.GetValue(L2)),
            Optimizer = new OptimizerSettings(optimizer, parse.GetValue(LearningRate), parse.GetValue(Momentum)),
            Patience = parse.GetValue(Patience),
            MicroShards = parse.GetValue(MicroShards),
        };
    }

    public Activation BindActivation(ParseResult parse) => CommonOptions.ParseActivation(parse.GetValue(Activation)!);

    public Loss BindLoss(ParseResult parse) => CommonOptions.ParseLoss(parse.GetValue(Loss)!);

    /// <summary>Output units for this data and loss, as every command builds its models.</summary>
    public static int Outputs(Dataset train, Loss loss)
    {
        if (train.IsClassification) return Losses.OutputUnits(loss, train.Classes!.Length);
        if (Losses.NeedsLabels(loss))
            throw new UsageException($"--loss {Losses.Name(loss)} needs class labels, but {train.Name} has real-valued targets (use mse or mae)");
        return train.TargetCount;
    }
}
