using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training.Hosting;

namespace DistNet.Training.Tests;

public class LocalSgdTests
{
    [Fact]
    public void Averaging_every_H_steps_cuts_messages_by_H_and_still_learns()
    {
        var data = TrainingFixtures.Digits;
        var settings = TrainingFixtures.Settings(epochs: 10) with { MicroShards = 2 };
        var sync = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings with { Epochs = 1 },
            new DistributedSettings { Workers = 2 });
        var local = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings,
            new DistributedSettings { Workers = 2, SyncEvery = 4 });
        var again = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, settings,
            new DistributedSettings { Workers = 2, SyncEvery = 4 });

        // 40 batches per epoch: sync sends 2 tasks per step (80); local SGD 2 per round of 8 batches (10).
        Assert.Equal(80, sync.Stats.TasksSent);
        Assert.Equal(10 * 10, local.Stats.TasksSent);
        Assert.Equal(10 * 5, local.Stats.Updates);
        Assert.True(local.LedgerExactlyOnce);
        Assert.Equal(local.Model.Parameters, again.Model.Parameters);
        double accuracy = Evaluation.Of(local.Model, data.Test, Penalty.None).Accuracy!.Value;
        Assert.True(accuracy >= 0.85, $"test accuracy {accuracy}");
    }
}
