using DistNet.Core.Data;
using DistNet.Core.Nn;

namespace DistNet.Core.Training;

/// <summary>
/// Rebuilds the first layer's weight gradient of a block of shards from its sufficient factors:
/// per shard, the samples (whose inputs X this side loads from its own copy of the data) and δ₁,
/// the first layer's units × samples. Each shard's δ₁Xᵀ is the product the worker would have
/// computed (<see cref="Backprop.FirstLayerWeightGradient"/>), added along the same
/// <see cref="ShardTree"/>, so the result has the same bits as the worker's whole gradient.
/// </summary>
/// <remarks>
/// Why: that region is units × inputs numbers (200,704 of 235,146 for 784-256-128-10), while its
/// factors are units × samples (32,768 for 128 samples). Holds reusable buffers: one instance per thread.
/// </remarks>
public sealed class FirstLayerGradient(Architecture architecture, Dataset data)
{
    private readonly Batch _batch = new(data);
    private readonly ShardTreeSum _sum = new(0, RegionOf(architecture));

    /// <summary>The region's length: it is the start of a gradient vector (<see cref="ParameterLayout"/>).</summary>
    public int Length { get; } = RegionOf(architecture);

    private static int RegionOf(Architecture architecture) => new ParameterLayout(architecture).WeightRange(0).Length;

    /// <summary>Whether the factors of this many samples (δ₁ and the sample ids; never the inputs) are fewer numbers than the product.</summary>
    public static bool Pays(Architecture architecture, int samples)
    {
        long units = architecture.Layers[0].Units;
        return (units + 1) * samples < units * architecture.InputSize;
    }

    /// <summary>
    /// Writes the region [0, <see cref="Length"/>) of <paramref name="gradient"/>: the sum, along the
    /// shard tree, of a block of 2^<paramref name="level"/> shards whose factors are given in shard
    /// order (fewer when the tree is cut at the step's last shard).
    /// </summary>
    /// <exception cref="ArgumentException">The factors do not fit the model or the data (a malformed answer).</exception>
    public void Fill(int level, IReadOnlyList<(int[] Samples, float[] Delta)> factors, float[] gradient)
    {
        int units = architecture.Layers[0].Units;
        if (gradient.Length < Length) throw new ArgumentException($"a gradient of {gradient.Length} numbers has no first layer of {Length}");
        if (level is < 0 or > 30 || factors.Count < 1 || factors.Count > 1 << level)
            throw new ArgumentException($"{factors.Count} shard factors do not make a block of level {level}");
        foreach (var (samples, delta) in factors)
        {
            if (delta.Length != (long)units * samples.Length)
                throw new ArgumentException($"a δ₁ of {delta.Length} numbers for {samples.Length} samples of {units} units");
            foreach (int s in samples)
                if ((uint)s >= (uint)data.Count) throw new ArgumentException($"sample {s} is not in the data set of {data.Count}");
        }
        // Inside the block the tree is cut where the factors end, as it was at the step's last shard.
        _sum.Compute(new ShardBlock(0, level), factors.Count, gradient, (shard, into) =>
        {
            var (samples, delta) = factors[shard];
            _batch.Gather(samples);
            Backprop.FirstLayerWeightGradient(architecture, delta, _batch.Inputs, samples.Length, into.AsSpan(0, Length));
            return default;
        });
    }
}
