using System.Numerics;
using System.Runtime.InteropServices;

namespace DistNet.Core.Optim;

/// <summary>Heavy-ball momentum: v ← μ·v + g, θ ← θ − η·v.</summary>
public sealed class Momentum(double learningRate, double momentum, int parameterCount) : Optimizer
{
    private readonly float[] _velocity = new float[parameterCount];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (gradient.Length != parameters.Length || parameters.Length != _velocity.Length)
            throw new ArgumentException("gradient, parameters and velocity differ in length", nameof(gradient));
        // v ← v·μ + g, then θ ← v·(−η) + θ, one pass over the three vectors; each multiply-add
        // rounds twice (not fused), as the scalar formulas do.
        float mu = (float)momentum, step = (float)-learningRate;
        var v = MemoryMarshal.Cast<float, Vector<float>>(_velocity.AsSpan());
        var p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
        var g = MemoryMarshal.Cast<float, Vector<float>>(gradient);
        Vector<float> muVector = new(mu), stepVector = new(step);
        for (int j = 0; j < v.Length; j++)
        {
            v[j] = v[j] * muVector + g[j];
            p[j] = v[j] * stepVector + p[j];
        }
        for (int i = v.Length * Vector<float>.Count; i < _velocity.Length; i++)
        {
            _velocity[i] = _velocity[i] * mu + gradient[i];
            parameters[i] = _velocity[i] * step + parameters[i];
        }
        Steps++;
    }

    public override IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["velocity"] = _velocity };
}
