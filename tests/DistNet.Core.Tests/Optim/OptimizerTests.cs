using DistNet.Core.Optim;

namespace DistNet.Core.Tests.Optim;

public class OptimizerTests
{
    [Fact]
    public void Sgd_steps_against_the_gradient()
    {
        float[] p = [1, -2];
        new Sgd(0.5).Step(p, [0.2f, -4]);
        Assert.Equal([0.9f, 0f], p);
    }

    [Fact]
    public void Momentum_accumulates_velocity()
    {
        float[] p = [0];
        var m = new Momentum(0.1, 0.9, 1);
        m.Step(p, [1]);   // v = 1, p = −0.1
        m.Step(p, [1]);   // v = 1.9, p = −0.29
        Assert.Equal(-0.29f, p[0], 6);
        Assert.Equal(1.9f, m.State["velocity"][0], 6);
    }

    [Fact]
    public void Adam_first_steps_match_the_paper_by_hand()
    {
        // Step 1: m̂ = g, v̂ = g², so Δ = lr · g / (|g| + ε) ≈ lr · sign(g).
        float[] p = [1, 1];
        var adam = new Adam(0.01, 0.9, 0.999, 1e-8, 2);
        adam.Step(p, [0.5f, -3]);
        Assert.Equal(0.99f, p[0], 6);
        Assert.Equal(1.01f, p[1], 6);

        // Step 2 with gradient 0 for the first parameter: m = 0.045, v = 0.00025·0.999;
        // m̂ = 0.045/0.19, v̂ = 0.00024975/0.001999
        adam.Step(p, [0f, -3]);
        double mHat = 0.1 * 0.5 * 0.9 / (1 - 0.81), vHat = 0.001 * 0.25 * 0.999 / (1 - 0.999 * 0.999);
        Assert.Equal(0.99 - 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8), p[0], 5);
        Assert.Equal(2, adam.Steps);
    }
}
