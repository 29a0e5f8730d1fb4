using System.Numerics;
using System.Runtime.InteropServices;

namespace DistNet.Core.Optim;

/// <summary>Adam (Kingma &amp; Ba 2015) with bias-corrected first and second moments.</summary>
public sealed class Adam(double learningRate, double beta1, double beta2, double epsilon, int parameterCount) : Optimizer
{
    private readonly float[] _m = new float[parameterCount], _v = new float[parameterCount];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (gradient.Length != parameters.Length || parameters.Length != _m.Length)
            throw new ArgumentException("gradient, parameters and moments differ in length", nameof(gradient));
        Steps++;
        float b1 = (float)beta1, b2 = (float)beta2;
        // Bias corrections folded into the step size, computed in double once per step.
        float stepSize = (float)(learningRate * Math.Sqrt(1 - Math.Pow(beta2, Steps)) / (1 - Math.Pow(beta1, Steps)));
        float epsHat = (float)(epsilon * Math.Sqrt(1 - Math.Pow(beta2, Steps)));

        // Vectors first, then the scalar tail; both evaluate the same expressions in the same
        // order (square root and division are exactly rounded either way), so every element
        // gets the same bits as from the scalar formulas alone.
        var m = MemoryMarshal.Cast<float, Vector<float>>(_m.AsSpan());
        var v = MemoryMarshal.Cast<float, Vector<float>>(_v.AsSpan());
        var p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
        var g = MemoryMarshal.Cast<float, Vector<float>>(gradient);
        Vector<float> b1v = new(b1), b2v = new(b2), oneMinusB1 = new(1 - b1), oneMinusB2 = new(1 - b2);
        Vector<float> stepVector = new(stepSize), epsVector = new(epsHat);
        for (int j = 0; j < m.Length; j++)
        {
            m[j] = b1v * m[j] + oneMinusB1 * g[j];
            v[j] = b2v * v[j] + oneMinusB2 * g[j] * g[j];
            p[j] -= stepVector * m[j] / (Vector.SquareRoot(v[j]) + epsVector);
        }
        for (int i = m.Length * Vector<float>.Count; i < parameters.Length; i++)
        {
            float gi = gradient[i];
            _m[i] = b1 * _m[i] + (1 - b1) * gi;
            _v[i] = b2 * _v[i] + (1 - b2) * gi * gi;
            parameters[i] -= stepSize * _m[i] / (MathF.Sqrt(_v[i]) + epsHat);
        }
    }

    public override IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["m"] = _m, ["v"] = _v };
}
