using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Random;
using DistNet.Core.Training;

namespace DistNet.Core.Tests.Training;

/// <summary>
/// The first layer's weight gradient sent as its factors (δ₁ and the samples) and rebuilt where the
/// inputs are: it must be the same bits as the gradient computed whole, or a cluster run would not
/// write the model a run in process writes.
/// </summary>
public class FirstLayerGradientTests
{
    private static readonly Architecture Net = Architecture.Create(20, [7, 5], Activation.Relu, 3, Loss.SoftmaxCrossEntropy);

    private static Dataset Data(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var features = Enumerable.Range(0, count * Net.InputSize).Select(_ => (float)rng.NextGaussian()).ToArray();
        var labels = Enumerable.Range(0, count).Select(_ => rng.NextInt(3)).ToArray();
        return new Dataset("random", Net.InputSize, features, labels, ["a", "b", "c"]);
    }

    private static int[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void Without_the_first_layer_the_gradient_is_the_same_elsewhere_and_its_factors_give_the_same_product()
    {
        var model = Mlp.Initialize(Net, 3);
        var data = Data(9, 4);
        var batch = new Batch(data).Gather([8, 0, 3, 3, 5, 1]);
        int w1 = Net.Layers[0].Units * Net.InputSize;

        var whole = new float[model.Layout.Count];
        double loss = new Backprop(Net).Gradient(model.Parameters, batch.Inputs, 6, batch.Labels, default, 1f / 6, whole);

        var rest = Enumerable.Repeat(12345f, model.Layout.Count).ToArray();
        var delta = new float[Net.Layers[0].Units * 6];
        double loss2 = new Backprop(Net).GradientWithoutFirstLayerWeights(model.Parameters, batch.Inputs, 6, batch.Labels, default, 1f / 6, rest, delta);
        Assert.Equal(loss, loss2);
        Assert.All(rest[..w1], x => Assert.Equal(12345f, x)); // left as it was
        Assert.Equal(Bits(whole.AsSpan(w1)), Bits(rest.AsSpan(w1)));

        var rebuilt = new float[w1];
        Backprop.FirstLayerWeightGradient(Net, delta, batch.Inputs, 6, rebuilt);
        Assert.Contains(whole[..w1], x => x != 0); // or the comparison proves little
        Assert.Equal(Bits(whole.AsSpan(0, w1)), Bits(rebuilt));
    }

    /// <summary>
    /// A block of shards the way a cluster worker answers with factors: the worker adds up everything
    /// but the first layer's weights along the tree, the ps's link adds up the rebuilt products along
    /// the same tree. Blocks cut at the step's last shard included.
    /// </summary>
    [Theory]
    [InlineData(1, 0, 0)]   // one shard
    [InlineData(4, 0, 2)]   // a whole block of four
    [InlineData(3, 0, 2)]   // a block of level 2 cut at 3 shards
    [InlineData(7, 4, 2)]   // shards 4..6 of 7
    [InlineData(3, 2, 1)]   // shard 2 alone in a block of level 1
    public void A_block_added_in_two_parts_has_the_bits_of_the_block_added_whole(int shardCount, int first, int level)
    {
        var model = Mlp.Initialize(Net, 7);
        var data = Data(40, 8);
        var rng = new Rng((ulong)(shardCount * 10 + first));
        var samples = Enumerable.Range(0, shardCount).Select(_ => Enumerable.Range(0, 1 + rng.NextInt(5)).Select(_ => rng.NextInt(40)).ToArray()).ToArray();
        var block = new ShardBlock(first, level);
        int count = model.Layout.Count, w1 = Net.Layers[0].Units * Net.InputSize;
        var backprop = new Backprop(Net);
        var batch = new Batch(data);

        var whole = new float[count];
        var wholeScore = new ShardTreeSum(count).Compute(block, shardCount, whole, (s, into) =>
        {
            batch.Gather(samples[s]);
            double loss = backprop.Gradient(model.Parameters, batch.Inputs, samples[s].Length, batch.Labels, default, 0.1f, into);
            return new ShardScore(loss, 0, samples[s].Length);
        });

        var parts = new float[count];
        var factors = new List<(int[] Samples, float[] Delta)>();
        var partsScore = new ShardTreeSum(w1, count).Compute(block, shardCount, parts, (s, into) =>
        {
            batch.Gather(samples[s]);
            var delta = new float[Net.Layers[0].Units * samples[s].Length];
            factors.Add((samples[s], delta));
            double loss = backprop.GradientWithoutFirstLayerWeights(model.Parameters, batch.Inputs, samples[s].Length, batch.Labels, default, 0.1f, into, delta);
            return new ShardScore(loss, 0, samples[s].Length);
        });
        Assert.Equal(block.End(shardCount) - first, factors.Count);
        new FirstLayerGradient(Net, data).Fill(level, factors, parts);

        Assert.Equal(wholeScore, partsScore);
        Assert.Equal(Bits(whole), Bits(parts));
    }

    [Fact]
    public void Factors_that_do_not_fit_the_model_or_the_data_are_refused()
    {
        var data = Data(10, 1);
        var rebuild = new FirstLayerGradient(Net, data);
        var gradient = new float[new ParameterLayout(Net).Count];
        int units = Net.Layers[0].Units;
        Assert.Contains("sample 10 is not in the data set",
            Assert.Throws<ArgumentException>(() => rebuild.Fill(0, [([10], new float[units])], gradient)).Message);
        Assert.Contains("δ₁ of 6 numbers for 1 samples",
            Assert.Throws<ArgumentException>(() => rebuild.Fill(0, [([1], new float[6])], gradient)).Message);
        Assert.Contains("do not make a block of level 1",
            Assert.Throws<ArgumentException>(() => rebuild.Fill(1, [([1], new float[units]), ([2], new float[units]), ([3], new float[units])], gradient)).Message);
        Assert.Throws<ArgumentException>(() => rebuild.Fill(0, [([1], new float[units])], new float[5]));
    }

    /// <summary>7 units × 20 inputs = 140 numbers against (7 + 1) × samples: δ₁ and one id per sample.</summary>
    [Fact]
    public void Factors_pay_only_when_they_are_fewer_numbers_than_the_product()
    {
        Assert.True(FirstLayerGradient.Pays(Net, 17));
        Assert.False(FirstLayerGradient.Pays(Net, 18));
        Assert.True(FirstLayerGradient.Pays(Architecture.Create(784, [256, 128], Activation.Relu, 10, Loss.SoftmaxCrossEntropy), 128));
    }
}
