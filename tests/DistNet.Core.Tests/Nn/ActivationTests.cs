using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Nn;

public class ActivationTests
{
    /// <summary>The plain loop the vectorised derivative must reproduce bit for bit.</summary>
    private static void ScalarDerivative(Activation activation, ReadOnlySpan<float> a, Span<float> delta)
    {
        for (int i = 0; i < delta.Length; i++)
        {
            delta[i] = activation switch
            {
                Activation.Sigmoid => delta[i] * (a[i] * (1f - a[i])),
                Activation.Tanh => delta[i] * (1f - a[i] * a[i]),
                Activation.Relu => a[i] <= 0 ? 0 : delta[i],
                Activation.LeakyRelu => a[i] <= 0 ? delta[i] * Activations.LeakySlope : delta[i],
                _ => delta[i],
            };
        }
    }

    [Theory]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.LeakyRelu)]
    [InlineData(Activation.Identity)]
    public void Vectorised_derivative_equals_the_scalar_loop_bit_for_bit(Activation activation)
    {
        var random = new System.Random(7);
        // Lengths below, at and past the vector width, with a tail; special values included.
        foreach (int length in new[] { 1, 7, 8, 16, 37, 1000 })
        {
            var z = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            float[] special = [0f, -0f, float.NaN, 1e-30f, -1e-30f, float.PositiveInfinity];
            for (int i = 0; i < Math.Min(length, special.Length); i++) z[i * length / special.Length] = special[i];
            Activations.Apply(activation, z);
            var delta = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var expected = (float[])delta.Clone();
            ScalarDerivative(activation, z, expected);
            Activations.MultiplyByDerivative(activation, z, delta);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), delta.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
