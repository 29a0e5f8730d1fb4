using DistNet.Core.Training;

namespace DistNet.Plots;

/// <summary>One training run's per-epoch figures, under the label its lines carry in a legend.</summary>
public sealed record RunCurves(string Label, IReadOnlyList<EpochReport> Epochs);
