using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Training;

namespace DistNet.Training.Sweep;

/// <summary>
/// What every candidate of a sweep shares: the data (already prepared, e.g. standardised), the
/// model's shape apart from its hidden layers, and the training settings. Given to each
/// <see cref="CandidateTrainer"/> when it is created, so that only a candidate's index and
/// hidden sizes travel in messages.
/// </summary>
public sealed record SweepJob(
    Dataset Train,
    Dataset Validation,
    Activation HiddenActivation,
    Loss Loss,
    int Outputs,
    bool Bias,
    TrainerSettings Settings)
{
    public Architecture ArchitectureFor(int[] hidden) =>
        Architecture.Create(Train.FeatureCount, hidden, HiddenActivation, Outputs, Loss, Bias);

    /// <summary>
    /// The starting weights of a candidate: seeded by the run's seed alone (as `distnet train`
    /// does), never by the candidate's index or the trainer that happens to get it, so a sweep's
    /// results do not depend on how many trainers share the work.
    /// </summary>
    public Mlp InitialModel(int[] hidden) => Mlp.Initialize(ArchitectureFor(hidden), Settings.Seed);
}
