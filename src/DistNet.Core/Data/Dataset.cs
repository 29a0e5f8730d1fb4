namespace DistNet.Core.Data;

/// <summary>
/// Samples stored one after another in one flat buffer, so that a mini-batch is gathered by
/// copying whole samples into the columns of a column-major feature-by-batch matrix.
/// A data set is either classification (integer labels into <see cref="Classes"/>) or
/// regression (<see cref="TargetCount"/> real targets per sample).
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, int featureCount, float[] features, int[] labels, string[] classes)
        : this(name, featureCount, features, labels, classes, null, 0) { }

    public Dataset(string name, int featureCount, float[] features, float[] targets, int targetCount)
        : this(name, featureCount, features, null, null, targets, targetCount) { }

    private Dataset(string name, int featureCount, float[] features, int[]? labels, string[]? classes,
        float[]? targets, int targetCount)
    {
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount));
        if (features.Length % featureCount != 0)
            throw new ArgumentException("feature buffer is not a whole number of samples", nameof(features));
        Name = name;
        FeatureCount = featureCount;
        Features = features;
        Count = features.Length / featureCount;
        Labels = labels;
        Classes = classes;
        Targets = targets;
        TargetCount = labels is null ? targetCount : 0;
        if (labels is not null && labels.Length != Count)
            throw new ArgumentException("one label per sample expected", nameof(labels));
        if (targets is not null && targets.Length != Count * targetCount)
            throw new ArgumentException("targetCount targets per sample expected", nameof(targets));
    }

    public string Name { get; }
    public int Count { get; }
    public int FeatureCount { get; }
    public float[] Features { get; }
    public int[]? Labels { get; }
    public string[]? Classes { get; }
    public float[]? Targets { get; }
    public int TargetCount { get; }

    public bool IsClassification => Labels is not null;

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = new float[indices.Length * FeatureCount];
        for (int i = 0; i < indices.Length; i++)
            Sample(indices[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
        if (Labels is not null)
        {
            var labels = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) labels[i] = Labels[indices[i]];
            return new Dataset(name ?? Name, FeatureCount, features, labels, Classes!);
        }
        var targets = new float[indices.Length * TargetCount];
        for (int i = 0; i < indices.Length; i++)
            Targets.AsSpan(indices[i] * TargetCount, TargetCount).CopyTo(targets.AsSpan(i * TargetCount, TargetCount));
        return new Dataset(name ?? Name, FeatureCount, features, targets, TargetCount);
    }

    /// <summary>A copy with every feature mapped through <paramref name="transform"/>.</summary>
    public Dataset Transformed(InputTransform transform)
    {
        var features = (float[])Features.Clone();
        for (int i = 0; i < Count; i++) transform.ApplyInPlace(features.AsSpan(i * FeatureCount, FeatureCount));
        return Labels is not null
            ? new Dataset(Name, FeatureCount, features, Labels, Classes!)
            : new Dataset(Name, FeatureCount, features, Targets!, TargetCount);
    }
}

/// <summary>The three parts a run uses: fit on Train, choose on Validation, report on Test.</summary>
public sealed record DataSplit(Dataset Train, Dataset Validation, Dataset Test);

/// <summary>Bad input data; the message names the file and the line or byte offset.</summary>
public sealed class DataException(string message) : Exception(message);
