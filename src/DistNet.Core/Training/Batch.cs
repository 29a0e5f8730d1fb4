using DistNet.Core.Data;

namespace DistNet.Core.Training;

/// <summary>
/// A mini-batch gathered from a data set: inputs as features × batch (one sample per column)
/// and the matching labels or targets. The buffers are reused from batch to batch.
/// </summary>
public sealed class Batch(Dataset data)
{
    private float[] _inputs = [], _targets = [];
    private int[] _labels = [];

    public int Size { get; private set; }

    public ReadOnlySpan<float> Inputs => _inputs.AsSpan(0, Size * data.FeatureCount);
    public ReadOnlySpan<int> Labels => data.IsClassification ? _labels.AsSpan(0, Size) : default;
    public ReadOnlySpan<float> Targets => data.IsClassification ? default : _targets.AsSpan(0, Size * data.TargetCount);

    public Batch Gather(ReadOnlySpan<int> indices)
    {
        int d = data.FeatureCount, k = data.TargetCount;
        if (_inputs.Length < indices.Length * d) _inputs = new float[indices.Length * d];
        if (data.IsClassification && _labels.Length < indices.Length) _labels = new int[indices.Length];
        if (!data.IsClassification && _targets.Length < indices.Length * k) _targets = new float[indices.Length * k];
        for (int i = 0; i < indices.Length; i++)
        {
            int s = indices[i];
            data.Sample(s).CopyTo(_inputs.AsSpan(i * d, d));
            if (data.IsClassification) _labels[i] = data.Labels![s];
            else data.Targets.AsSpan(s * k, k).CopyTo(_targets.AsSpan(i * k, k));
        }
        Size = indices.Length;
        return this;
    }

    /// <summary>Consecutive samples [start, start + count), without shuffling.</summary>
    public Batch Range(int start, int count)
    {
        Span<int> indices = count <= 4096 ? stackalloc int[count] : new int[count];
        for (int i = 0; i < count; i++) indices[i] = start + i;
        return Gather(indices);
    }
}
