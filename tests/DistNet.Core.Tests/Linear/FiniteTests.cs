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
    public void Extreme_finite_values_are_finite()
    {
        Assert.True(Finite.All(new[] { float.MaxValue, float.MinValue, float.Epsilon, -0f, 0f, float.MaxValue, float.MaxValue, float.MaxValue,
            float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, float.MaxValue, 1f }));
        Assert.True(Finite.All(ReadOnlySpan<float>.Empty));
    }
}
