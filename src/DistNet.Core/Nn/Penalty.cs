namespace DistNet.Core.Nn;

/// <summary>
/// λ1·Σ|w| + λ2·Σw² over the weights, never the biases (a bias shifts a unit; shrinking it
/// buys no smoother function). Added once per step to the batch's mean data loss.
/// </summary>
public sealed record Penalty(double L1, double L2)
{
    public static readonly Penalty None = new(0, 0);

    public bool IsZero => L1 == 0 && L2 == 0;

    public double Value(ParameterLayout layout, ReadOnlySpan<float> parameters)
    {
        if (IsZero) return 0;
        double abs = 0, squares = 0;
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var (offset, length) = layout.WeightRange(l);
            foreach (var w in parameters.Slice(offset, length)) { abs += Math.Abs(w); squares += (double)w * w; }
        }
        return L1 * abs + L2 * squares;
    }

    /// <summary>
    /// sign(x), except that NaN passes through as NaN where MathF.Sign would throw: a diverged
    /// run must reach the trainer's divergence check, not fail inside the penalty.
    /// </summary>
    internal static float Sign(float x) => x > 0 ? 1f : x < 0 ? -1f : x == 0 ? 0f : float.NaN;

    /// <summary>gradient += λ1·sign(w) + 2λ2·w on every weight.</summary>
    public void AddGradient(ParameterLayout layout, ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        if (IsZero) return;
        float l1 = (float)L1, twoL2 = (float)(2 * L2);
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var (offset, length) = layout.WeightRange(l);
            var w = parameters.Slice(offset, length);
            var g = gradient.Slice(offset, length);
            for (int i = 0; i < w.Length; i++) g[i] += l1 * Sign(w[i]) + twoL2 * w[i];
        }
    }
}
