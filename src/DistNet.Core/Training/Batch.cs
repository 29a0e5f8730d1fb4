using System.Runtime.Intrinsics.X86;
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
    // ≥ 0 after Range: the batch is the data set's own samples [_rangeStart, _rangeStart + Size),
    // already laid out features × batch, so nothing is copied. −1 after Gather: the buffers above.
    private int _rangeStart = -1;

    public int Size { get; private set; }

    public ReadOnlySpan<float> Inputs => _rangeStart >= 0
        ? data.Features.AsSpan(_rangeStart * data.FeatureCount, Size * data.FeatureCount)
        : _inputs.AsSpan(0, Size * data.FeatureCount);

    public ReadOnlySpan<int> Labels => !data.IsClassification ? default
        : _rangeStart >= 0 ? data.Labels.AsSpan(_rangeStart, Size) : _labels.AsSpan(0, Size);

    public ReadOnlySpan<float> Targets => data.IsClassification ? default
        : _rangeStart >= 0 ? data.Targets.AsSpan(_rangeStart * data.TargetCount, Size * data.TargetCount)
        : _targets.AsSpan(0, Size * data.TargetCount);

    public Batch Gather(ReadOnlySpan<int> indices)
    {
        int d = data.FeatureCount, k = data.TargetCount;
        if (_inputs.Length < indices.Length * d) _inputs = new float[indices.Length * d];
        if (data.IsClassification && _labels.Length < indices.Length) _labels = new int[indices.Length];
        if (!data.IsClassification && _targets.Length < indices.Length * k) _targets = new float[indices.Length * k];
        for (int i = 0; i < indices.Length; i++)
        {
            int s = indices[i];
            if (i + 1 < indices.Length) Prefetch(data.Sample(indices[i + 1]));
            data.Sample(s).CopyTo(_inputs.AsSpan(i * d, d));
            if (data.IsClassification) _labels[i] = data.Labels![s];
            else data.Targets.AsSpan(s * k, k).CopyTo(_targets.AsSpan(i * k, k));
        }
        Size = indices.Length;
        _rangeStart = -1;
        return this;
    }

    /// <summary>
    /// Asks for a sample's cache lines ahead of its copy. Shuffled samples lie at random places
    /// in a large array, and fetching the next one while copying this one cut the time of
    /// gathering a batch of 128 Fashion-MNIST images by a quarter to a third.
    /// </summary>
    private static unsafe void Prefetch(ReadOnlySpan<float> sample)
    {
        if (!Sse.IsSupported) return;
        const int floatsPerCacheLine = 16;
        fixed (float* start = sample)
            for (int offset = 0; offset < sample.Length; offset += floatsPerCacheLine) Sse.Prefetch0(start + offset);
    }

    /// <summary>
    /// Consecutive samples [start, start + count), without shuffling. They already lie in the
    /// data set as a features × count block, so the batch views them instead of copying
    /// (evaluation walks a whole data set this way).
    /// </summary>
    public Batch Range(int start, int count)
    {
        if (start < 0 || count < 0 || start > data.Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"samples [{start}, {start + count}) outside 0..{data.Count}");
        Size = count;
        _rangeStart = start;
        return this;
    }
}
