using System.Diagnostics;
using DistNet.Core.Linear;
using DistNet.Core.Nn;

namespace DistNet.Bench;

/// <summary>
/// The matrix products of one training step of an architecture, replayed alone on scratch
/// buffers: what a step would cost if everything but sgemm were free.
/// </summary>
internal static class GemmProbe
{
    public readonly record struct Result(double SecondsPerStep, double GflopPerStep)
    {
        public double GflopPerSecond => GflopPerStep / SecondsPerStep;
    }

    public static Result Measure(Architecture architecture, int batch, double minSeconds)
    {
        var layers = architecture.Layers;
        int widest = layers.Select(l => l.Units).Append(architecture.InputSize).Max();
        var rng = new System.Random(1);
        float[] Buffer(int n) { var b = new float[n]; for (int i = 0; i < n; i++) b[i] = (float)rng.NextDouble() - 0.5f; return b; }
        var weights = Buffer(widest * widest);
        var inputs = Buffer(widest * batch);
        var outputs = Buffer(widest * batch);
        var gradient = Buffer(widest * widest);

        double flops = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            double mnk = (double)layers[l].Units * architecture.InputsOf(l) * batch;
            flops += 2 * mnk * (l == 0 ? 2 : 3); // forward, weight gradient, and delta except for layer 0
        }

        void Step()
        {
            for (int l = 0; l < layers.Count; l++)
            {
                int o = layers[l].Units, i = architecture.InputsOf(l);
                Blas.Gemm(false, false, o, batch, i, 1f, weights, o, inputs, i, 1f, outputs, o);
            }
            for (int l = layers.Count - 1; l >= 0; l--)
            {
                int o = layers[l].Units, i = architecture.InputsOf(l);
                Blas.Gemm(false, true, o, i, batch, 1f, outputs, o, inputs, i, 0f, gradient, o);
                if (l > 0) Blas.Gemm(true, false, i, batch, o, 1f, weights, o, outputs, o, 0f, inputs, i);
            }
        }

        for (int w = 0; w < 20; w++) Step();
        int steps = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < minSeconds) { Step(); steps++; }
        double seconds = clock.Elapsed.TotalSeconds / steps;
        return new Result(seconds, flops / 1e9);
    }
}
