using DistNet.Core.Linear;

namespace DistNet.Core.Tests.Linear;

public class FiniteTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void One_non_finite_value_anywhere_is_found(float bad)
    {
        foreach (int length in new[] { 1, 7, 16, 33, 1000 })
            for (int at = 0; at < length; at += Math.Max(1, length / 9))
            {
                var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i) * 1e30f).ToArray();
                Assert.True(Finite.All(values));
                values[at] = bad;
                Assert.False(Finite.All(values), $"length {length}, position {at}");
            }
    }

    [Fact]
    public void The_largest_magnitude_is_NaN_with_a_NaN_anywhere_and_infinite_with_either_infinity()
    {
        foreach (int length in new[] { 1, 7, 16, 33, 1000 })
            for (int at = 0; at < length; at += Math.Max(1, length / 9))
            {
                var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i) * 1e30f).ToArray();
                Assert.Equal(values.Max(Math.Abs), Finite.LargestMagnitude(values));
                values[at] = -3e38f;
                Assert.Equal(3e38f, Finite.LargestMagnitude(values));
                foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    values[at] = bad;
                    Assert.Equal(float.IsNaN(bad) ? float.NaN : float.PositiveInfinity, Finite.LargestMagnitude(values));
                }
            }
        Assert.Equal(0f, Finite.LargestMagnitude(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void Adding_and_measuring_gives_the_bits_of_a_plain_addition()
    {
        var rng = new System.Random(3);
        foreach (int length in new[] { 1, 7, 16, 33, 1000 })
        {
            var a = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e3f).ToArray();
            var b = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var expected = a.Zip(b, (x, y) => x + y).ToArray();
            var sum = (float[])a.Clone();
            float magnitude = Finite.AddAndMeasure(sum, b);
            Assert.Equal(expected, sum);
            Assert.Equal(expected.Max(Math.Abs), magnitude);
            b[length / 2] = float.NaN;
            Assert.True(float.IsNaN(Finite.AddAndMeasure((float[])a.Clone(), b)));
        }
    }

    [Fact]
    public void Extreme_finite_values_are_finite()
    {
        Assert.True(Finite.All(new[] { float.MaxValue, float.MinValue, float.Epsilon, -0f, 0f, float.MaxValue, float.MaxValue, float.MaxValue,
            float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, 1f }));
        Assert.True(Finite.All(ReadOnlySpan<float>.Empty));
    }
}
