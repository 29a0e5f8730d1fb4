using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;

namespace DistNet.Training.Tests;

/// <summary>Small, fast training problems shared by the tests.</summary>
public static class TrainingFixtures
{
    private static readonly Lazy<DataSplit> DigitsSplit = new(() => DataLoader.Load("digits"));

    public static DataSplit Digits => DigitsSplit.Value;

    public static Mlp DigitsModel(int hidden = 32, long seed = 1) =>
        Mlp.Initialize(Architecture.Create(64, [hidden], Activation.Sigmoid, 10, Loss.SoftmaxCrossEntropy), seed);

    public static TrainerSettings Settings(int epochs = 3, int microShards = 8) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        Seed = 1,
        MicroShards = microShards,
        Penalty = new Penalty(0, 1e-4),
        Optimizer = new OptimizerSettings(OptimizerKind.Momentum, 0.1),
    };
}
