namespace DistNet.Core.Optim;

/// <summary>Adam (Kingma &amp; Ba 2015) with bias-corrected first and second moments.</summary>
public sealed class Adam(double learningRate, double beta1, double beta2, double epsilon, int parameterCount) : Optimizer
{
    private readonly float[] _m = new float[parameterCount], _v = new float[parameterCount];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        Steps++;
        float b1 = (float)beta1, b2 = (float)beta2;
        // Bias corrections folded into the step size, computed in double once per step.
        float stepSize = (float)(learningRate * Math.Sqrt(1 - Math.Pow(beta2, Steps)) / (1 - Math.Pow(beta1, Steps)));
        float epsHat = (float)(epsilon * Math.Sqrt(1 - Math.Pow(beta2, Steps)));
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i];
            _m[i] = b1 * _m[i] + (1 - b1) * g;
            _v[i] = b2 * _v[i] + (1 - b2) * g * g;
            parameters[i] -= stepSize * _m[i] / (MathF.Sqrt(_v[i]) + epsHat);
        }
    }

    public override IReadOnlyDictionary<string, float[]> State => new Dictionary<string, float[]> { ["m"] = _m, ["v"] = _v };
}
