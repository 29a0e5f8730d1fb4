using DistNet.Core.Linear;
using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Nn;

/// <summary>A backward pass that reports its gradient range by range, for a transport to send while it computes the rest.</summary>
public class GradientProgressTests
{
    private static float[] Fill(int n, int seed)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_range_is_reported_once_and_final_and_the_gradient_is_the_same_bits(bool bias)
    {
        // 400 inputs: two column blocks of the first layer (192, then the remaining 208).
        const int batch = 20, inputs = 400;
        var architecture = Architecture.Create(inputs, [32, 16], Activation.Tanh, outputs: 10, Loss.SoftmaxCrossEntropy, bias);
        var layout = new ParameterLayout(architecture);
        var parameters = Fill(layout.Count, 1).Select(p => p * 0.1f).ToArray();
        var x = Fill(inputs * batch, 2);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();

        var plain = new float[layout.Count];
        double plainLoss = new Backprop(architecture).Gradient(parameters, x, batch, labels, [], 1f / batch, plain);

        var streamed = new float[layout.Count];
        var reported = new List<(int Start, float[] Values)>();
        double loss = new Backprop(architecture).Gradient(parameters, x, batch, labels, [], 1f / batch, streamed,
            (start, count) => reported.Add((start, streamed.AsSpan(start, count).ToArray())));

        Assert.Equal(plainLoss, loss);
        Assert.Equal(plain.Select(BitConverter.SingleToInt32Bits), streamed.Select(BitConverter.SingleToInt32Bits));
        // Final when reported: what the callback saw is what the vector holds at the end.
        foreach (var (start, values) in reported)
            Assert.Equal(streamed.AsSpan(start, values.Length).ToArray().Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
        // Once each: sorted, the ranges tile the vector without gaps or overlaps.
        long next = 0;
        foreach (var (start, values) in reported.OrderBy(r => r.Start))
        {
            Assert.Equal(next, start);
            next = start + values.Length;
        }
        Assert.Equal(layout.Count, next);
        // The last layer comes first (the backward pass's order), the first layer's weights in blocks where exact.
        Assert.Equal(layout.WeightRange(2).Offset, reported[0].Start);
        var (firstLayer, firstLength) = layout.WeightRange(0);
        var firstLayerParts = reported.Where(r => r.Start >= firstLayer && r.Start < firstLayer + firstLength).Select(r => r.Values.Length).ToArray();
        Assert.Equal(Blas.ColumnBlocksExact(32, inputs, batch, Backprop.StreamedBlockColumns) ? [32 * 192, 32 * 208] : [32 * inputs], firstLayerParts);
    }

    [Theory]
    [InlineData(784, 0, 192)]
    [InlineData(784, 576, 208)]
    [InlineData(384, 192, 192)]
    [InlineData(100, 0, 100)]
    [InlineData(383, 0, 383)]
    public void The_last_block_takes_the_rest(int n, int first, int expected) =>
        Assert.Equal(expected, Blas.BlockColumns(n, first, 192));

    /// <summary>The probe's answer holds for other values: kernels pick their code by shape, not by data.</summary>
    [Theory]
    [InlineData(256, 784, 128)]
    [InlineData(256, 784, 37)]
    [InlineData(32, 400, 20)]
    [InlineData(7, 500, 3)]
    public void Column_blocks_match_the_whole_product_exactly_when_the_probe_says_so(int m, int n, int k)
    {
        float[] a = Fill(m * k, 11), b = Fill(n * k, 12), whole = new float[m * n], blocks = new float[m * n];
        Blas.Gemm(false, true, m, n, k, 1f, a, m, b, n, 0f, whole, m);
        for (int first = 0, columns; first < n; first += columns)
        {
            columns = Blas.BlockColumns(n, first, 192);
            Blas.Gemm(false, true, m, columns, k, 1f, a, m, b.AsSpan(first), n, 0f, blocks.AsSpan(first * m), m);
        }
        bool same = whole.Select(BitConverter.SingleToInt32Bits).SequenceEqual(blocks.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(same, Blas.ColumnBlocksExact(m, n, k, 192));
    }
}
