using System.Numerics.Tensors;

namespace DistNet.Core.Optim;

/// <summary>Plain gradient descent, the text's method: θ ← θ − η·g.</summary>
public sealed class Sgd(double learningRate) : Optimizer
{
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        TensorPrimitives.MultiplyAdd(gradient, (float)-learningRate, parameters, parameters);
        Steps++;
    }

    public override IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]>();
}
