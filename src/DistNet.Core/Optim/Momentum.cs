using System.Numerics.Tensors;

namespace DistNet.Core.Optim;

/// <summary>Heavy-ball momentum: v ← μ·v + g, θ ← θ − η·v.</summary>
public sealed class Momentum(double learningRate, double momentum, int parameterCount) : Optimizer
{
    private readonly float[] _velocity = new float[parameterCount];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        TensorPrimitives.MultiplyAdd(_velocity, (float)momentum, gradient, _velocity);
        TensorPrimitives.MultiplyAdd(_velocity, (float)-learningRate, parameters, parameters);
        Steps++;
    }

    public override IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["velocity"] = _velocity };
}
