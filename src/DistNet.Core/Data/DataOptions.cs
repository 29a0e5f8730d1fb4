namespace DistNet.Core.Data;

/// <summary>
/// How to load and split a data set. Fractions are of all rows; for IDX, which ships its own
/// test set, <see cref="Test"/> is ignored and <see cref="Validation"/> is taken from the train files.
/// <see cref="Samples"/> and <see cref="Noise"/> apply to the synthetic sets only (null noise:
/// that set's default), <see cref="LabelColumn"/> to CSV only (a name or 0-based index; null: last column).
/// </summary>
public sealed record DataOptions
{
    public long Seed { get; init; } = 1;
    public double Validation { get; init; } = 0.1;
    public double Test { get; init; } = 0.2;
    public int Samples { get; init; } = SyntheticData.DefaultSamples;
    public double? Noise { get; init; }
    public string? LabelColumn { get; init; }
}
