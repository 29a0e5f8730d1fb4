using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;

namespace DistNet.Core.Tests.Training;

public class TrainerTests
{
    private static DataSplit Circles() => DataLoader.Load("circles", new DataOptions { Seed = 3 });

    [Fact]
    public void Same_seed_gives_bit_identical_parameters()
    {
        var split = Circles();
        var settings = new TrainerSettings { Epochs = 5, Seed = 9, Optimizer = new OptimizerSettings(OptimizerKind.Adam, 0.01) };
        var architecture = Architecture.Create(2, [6, 4], Activation.Relu, 2, Loss.SoftmaxCrossEntropy);
        var a = Trainer.Train(Mlp.Initialize(architecture, 9), split.Train, split.Validation, settings).Model;
        var b = Trainer.Train(Mlp.Initialize(architecture, 9), split.Train, split.Validation, settings).Model;
        var c = Trainer.Train(Mlp.Initialize(architecture, 9), split.Train, split.Validation, settings with { Seed = 10 }).Model;
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters); // a different shuffle
    }

    [Fact]
    public void Early_stopping_keeps_the_best_epoch_when_validation_gets_worse()
    {
        var split = Circles();
        // Validation = training points with the labels flipped: every step that fits the
        // training data makes the validation loss worse.
        var train = split.Train;
        var flipped = new Dataset("flipped", 2, train.Features, train.Labels!.Select(l => 1 - l).ToArray(), train.Classes!);
        var architecture = Architecture.Create(2, [8], Activation.Tanh, 2, Loss.SoftmaxCrossEntropy);
        var settings = new TrainerSettings { Epochs = 50, Patience = 3, Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.3) };

        var result = Trainer.Train(Mlp.Initialize(architecture, 1), train, flipped, settings);
        Assert.True(result.StoppedEarly);
        var losses = result.History.Select(h => h.ValidationLoss!.Value).ToList();
        int best = losses.IndexOf(losses.Min()) + 1;
        Assert.Equal(best, result.BestEpoch);
        Assert.Equal(best + 3, result.History.Count);

        var replay = Trainer.Train(Mlp.Initialize(architecture, 1), train, flipped, settings with { Epochs = best, Patience = 0 });
        Assert.Equal(replay.Model.Parameters, result.Model.Parameters);
    }

    [Fact]
    public void Gradient_descent_lowers_the_training_loss()
    {
        var split = Circles();
        var architecture = Architecture.Create(2, [8], Activation.Tanh, 2, Loss.SoftmaxCrossEntropy);
        var result = Trainer.Train(Mlp.Initialize(architecture, 2), split.Train, split.Validation,
            new TrainerSettings { Epochs = 20, Optimizer = new OptimizerSettings(OptimizerKind.Momentum, 0.1) });
        Assert.True(result.History[^1].Loss < 0.7 * result.History[0].Loss,
            $"loss {result.History[0].Loss} → {result.History[^1].Loss}");
    }

    [Fact]
    public void Divergence_with_a_penalty_is_reported_as_divergence()
    {
        var split = Circles();
        var architecture = Architecture.Create(2, [8], Activation.Relu, 1, Loss.Mae);
        var regression = new Dataset("r", 2, split.Train.Features, split.Train.Features.Where((_, i) => i % 2 == 0).Select(v => v * 1e30f).ToArray(), 1);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(Mlp.Initialize(architecture, 1), regression,
            new Dataset("none", 2, [], [], 1), new TrainerSettings { Epochs = 50, Penalty = new Penalty(0.1, 0.1), Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 1e30) }));
        Assert.Contains("diverged", e.Message);
    }

    [Fact]
    public void A_learning_rate_that_diverges_is_reported()
    {
        var split = Circles();
        var architecture = Architecture.Create(2, [8], Activation.Relu, 1, Loss.Mse);
        var regression = new Dataset("r", 2, split.Train.Features, split.Train.Features.Where((_, i) => i % 2 == 0).Select(v => v * 1000).ToArray(), 1);
        Assert.Throws<TrainingDivergedException>(() => Trainer.Train(Mlp.Initialize(architecture, 1), regression,
            new Dataset("none", 2, [], [], 1), new TrainerSettings { Epochs = 50, Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 10) }));
    }
}
