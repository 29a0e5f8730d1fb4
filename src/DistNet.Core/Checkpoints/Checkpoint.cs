namespace DistNet.Core.Checkpoints;

/// <summary>
/// Everything a training run needs to continue exactly where it stopped: the weights, the
/// optimiser's state, the position in the epoch, the random streams and which samples the
/// current epoch has already used. Plain data: <see cref="CheckpointStore"/> writes and reads
/// it, the trainer decides what goes in.
/// </summary>
/// <remarks>
/// Arrays and collections are held, not copied: whoever builds a checkpoint hands over arrays
/// it will not change afterwards (copies taken at the moment of the checkpoint), so a
/// checkpoint written while training goes on still describes one instant.
/// </remarks>
public sealed record Checkpoint
{
    /// <summary>Optimiser steps applied so far, i.e. the global step; also names the file.</summary>
    public required long Version { get; init; }

    /// <summary>The epoch in progress, counted from 1.</summary>
    public required int Epoch { get; init; }

    /// <summary>Index within <see cref="Epoch"/> of the next batch to train on (batches before it are done).</summary>
    public required int BatchInEpoch { get; init; }

    /// <summary>The flat parameter vector after <see cref="Version"/> steps.</summary>
    public required float[] Parameters { get; init; }

    /// <summary>"sgd", "momentum" or "adam": a resume with another optimiser must be refused, its state would not fit.</summary>
    public required string OptimizerName { get; init; }

    /// <summary>The optimiser's own step count (Adam's bias correction depends on it).</summary>
    public required long OptimizerSteps { get; init; }

    /// <summary>The optimiser's named state vectors (velocity, moments); empty for plain SGD.</summary>
    public required IReadOnlyDictionary<string, float[]> OptimizerState { get; init; }

    /// <summary>Saved states of the named random streams ("shuffle", "dropout", …), so draws continue rather than restart.</summary>
    public IReadOnlyDictionary<string, ulong[]> RngStates { get; init; } = new Dictionary<string, ulong[]>();

    /// <summary>
    /// Per training sample, how often its gradient has been applied in the current epoch: the
    /// sample ledger, so a resumed epoch neither repeats nor skips samples.
    /// </summary>
    public required int[] LedgerCounts { get; init; }

    /// <summary>
    /// A description of the run's configuration (data, architecture, optimiser, seed, …); a resume
    /// whose options give a different fingerprint is refused rather than silently mixing two runs.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>Best validation loss so far, for early stopping; +∞ before the first validation.</summary>
    public double BestValidationLoss { get; init; } = double.PositiveInfinity;

    /// <summary>Epochs since <see cref="BestValidationLoss"/> last improved, for early stopping's patience.</summary>
    public int EpochsWithoutImprovement { get; init; }

    /// <summary>The weights at <see cref="BestValidationLoss"/>, which early stopping restores at the end; null if not kept.</summary>
    public float[]? BestParameters { get; init; }

    /// <summary>
    /// The per-epoch report lines (JSON) already written, so a resumed run's metrics and final
    /// report cover the whole run, not just the part after the resume.
    /// </summary>
    public IReadOnlyList<string> History { get; init; } = [];

    /// <summary>The current epoch's running loss sum, correct predictions and samples so far: its report goes on from them.</summary>
    public double EpochLossSum { get; init; }

    public long EpochCorrect { get; init; }

    public long EpochSamples { get; init; }
}
