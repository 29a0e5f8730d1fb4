using DistNet.Core.Training;

namespace DistNet.Training.Sweep;

/// <summary>Coordinator → trainer: train candidate <paramref name="Index"/>, whose hidden layers are <paramref name="Hidden"/> (empty: the perceptron).</summary>
public sealed record TrainCandidate(int Index, int[] Hidden) : IDistNetMessage;

/// <summary>A model's mean loss and (for classification) accuracy on one split.</summary>
public sealed record CandidateScore(double Loss, double? Accuracy);

/// <summary>
/// Trainer → coordinator: the answer to <see cref="TrainCandidate"/>. <paramref name="Validation"/>
/// is null when the validation split is empty; <paramref name="Failure"/> says why a candidate
/// could not be trained (it diverged, say), and then the scores are NaN.
/// </summary>
public sealed record CandidateTrained(
    int Index,
    int[] Hidden,
    int TrainerId,
    float[] Parameters,
    EpochReport[] History,
    int BestEpoch,
    CandidateScore Train,
    CandidateScore? Validation,
    double Seconds,
    string? Failure) : IDistNetMessage
{
    public bool Succeeded => Failure is null;
}

/// <summary>Driver → coordinator: train these candidates (by hidden layer sizes); the answer is <see cref="SweepFinished"/>.</summary>
public sealed record RunSweep(int[][] Candidates) : IDistNetMessage;

/// <summary>Coordinator → driver: one result per candidate, in candidate order whatever order they finished in.</summary>
public sealed record SweepFinished(CandidateTrained[] Candidates) : IDistNetMessage;
