using DistNet.Core.Optim;

namespace DistNet.Core.Tests.Optim;

/// <summary>The vectorised optimiser steps against their scalar formulas, bit for bit.</summary>
public class OptimizerBitsTests
{
    private const int Length = 1003; // whole vectors and a tail, for any vector width up to 512 bits

    private static (float[] Parameters, float[][] Gradients) Problem()
    {
        var random = new System.Random(13);
        var parameters = Enumerable.Range(0, Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var gradients = Enumerable.Range(0, 5)
            .Select(_ => Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 2)))).ToArray())
            .ToArray();
        return (parameters, gradients);
    }

    private static void AssertSameBits(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void Sgd_equals_the_scalar_formula()
    {
        var (p, gradients) = Problem();
        var expected = (float[])p.Clone();
        var sgd = new Sgd(0.1);
        foreach (var g in gradients)
        {
            sgd.Step(p, g);
            for (int i = 0; i < Length; i++) expected[i] = g[i] * (float)-0.1 + expected[i];
        }
        AssertSameBits(expected, p);
    }

    [Fact]
    public void Momentum_equals_the_scalar_formula()
    {
        var (p, gradients) = Problem();
        var expected = (float[])p.Clone();
        var velocity = new float[Length];
        var momentum = new Momentum(0.05, 0.9, Length);
        foreach (var g in gradients)
        {
            momentum.Step(p, g);
            for (int i = 0; i < Length; i++)
            {
                velocity[i] = velocity[i] * 0.9f + g[i];
                expected[i] = velocity[i] * (float)-0.05 + expected[i];
            }
        }
        AssertSameBits(expected, p);
        AssertSameBits(velocity, momentum.State["velocity"]);
    }

    [Fact]
    public void Adam_equals_the_scalar_formula()
    {
        var (p, gradients) = Problem();
        var expected = (float[])p.Clone();
        float[] m = new float[Length], v = new float[Length];
        var adam = new Adam(0.001, 0.9, 0.999, 1e-8, Length);
        for (int t = 1; t <= gradients.Length; t++)
        {
            var g = gradients[t - 1];
            adam.Step(p, g);
            float stepSize = (float)(0.001 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)));
            float epsHat = (float)(1e-8 * Math.Sqrt(1 - Math.Pow(0.999, t)));
            for (int i = 0; i < Length; i++)
            {
                m[i] = 0.9f * m[i] + (1 - 0.9f) * g[i];
                v[i] = 0.999f * v[i] + (1 - 0.999f) * g[i] * g[i];
                expected[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) + epsHat);
            }
        }
        AssertSameBits(expected, p);
        AssertSameBits(m, adam.State["m"]);
        AssertSameBits(v, adam.State["v"]);
    }
}
