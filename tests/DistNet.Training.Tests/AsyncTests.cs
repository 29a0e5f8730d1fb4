using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training.Hosting;

namespace DistNet.Training.Tests;

public class AsyncTests
{
    private static TrainerSettings Settings => new()
    {
        Epochs = 15, BatchSize = 32, Seed = 1,
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.5),
    };

    private static (double Accuracy, DistributedResult Result) Train(DistributedSettings distributed, Func<int, Workers.IWorkerFaults>? faults = null)
    {
        var data = TrainingFixtures.Digits;
        var result = LocalTraining.Run(TrainingFixtures.DigitsModel(hidden: 64), data.Train, data.Validation, Settings, distributed, faults: faults);
        return (Evaluation.Of(result.Model, data.Test, Penalty.None).Accuracy!.Value, result);
    }

    [Fact]
    public void Async_converges_and_reports_staleness()
    {
        var (accuracy, result) = Train(new DistributedSettings { Mode = TrainingMode.Async, Workers = 3 });
        Assert.True(accuracy >= 0.93, $"test accuracy {accuracy}");
        Assert.True(result.LedgerExactlyOnce);
        Assert.True(result.Stats.MaxStaleness >= 1, "three workers pushing at their own pace must see stale weights");
        Assert.InRange(result.Stats.MeanStaleness, 0.01, 3);
    }

    [Fact]
    public void Ssp_converges_and_never_exceeds_its_bound()
    {
        var slow = new TestFaults { Delay = TimeSpan.FromMilliseconds(3) };
        var (accuracy, result) = Train(new DistributedSettings { Mode = TrainingMode.Ssp, Workers = 3, Staleness = 1 },
            faults: i => i == 0 ? slow : Workers.NoFaults.Instance);
        Assert.True(accuracy >= 0.93, $"test accuracy {accuracy}");
        var clocks = result.Stats.Clocks;
        Assert.Equal(result.Stats.TasksSent, clocks.Length);
        Assert.All(clocks, c => Assert.True(c.Clock - c.SlowestClock <= 1, $"worker {c.WorkerId} at {c.Clock} ran ahead of {c.SlowestClock}"));
        // The bound was reached (the slow worker really held the others back).
        Assert.Contains(clocks, c => c.Clock - c.SlowestClock == 1);
    }
}
