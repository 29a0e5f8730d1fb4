using DistNet.Core.Nn;
using DistNet.Core.Optim;

namespace DistNet.Core.Training;

/// <summary>How to train: the loop's settings, independent of the model's shape.</summary>
public sealed record TrainerSettings
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public bool Shuffle { get; init; } = true;
    public long Seed { get; init; } = 1;
    public Penalty Penalty { get; init; } = Penalty.None;
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>
    /// Pieces each batch's gradient is computed in and summed from, in order. Results depend on
    /// this number but not on how many workers share the pieces.
    /// </summary>
    public int MicroShards { get; init; } = 1;

    /// <summary>Stop after this many epochs without a better validation loss (0: never), keeping the best weights.</summary>
    public int Patience { get; init; }
}

/// <summary>One epoch's figures, as written to --metrics-out.</summary>
public sealed record EpochReport(
    int Epoch,
    double Loss,
    double Penalty,
    double? TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double SamplesPerSecond,
    double ElapsedSeconds);

/// <summary>What a training loop tells its caller as it goes.</summary>
public interface ITrainingObserver
{
    void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss) { }
    void OnEpoch(EpochReport report) { }

    /// <summary>Something a user watching the run should know: a worker lost, joined, restarted.</summary>
    void OnNotice(string message) { }
}
