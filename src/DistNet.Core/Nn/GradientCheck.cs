using DistNet.Core.Random;

namespace DistNet.Core.Nn;

public sealed record GradientCheckResult(double WorstRelativeError, int WorstParameter, double Analytic, double Numeric, int Parameters);

/// <summary>
/// Compares backprop's float32 gradient with central differences of an independent,
/// deliberately naive double-precision evaluation of the same loss (per-unit loops, textbook
/// formulas), so the check tests both the derivative and the forward pass. Double precision
/// lets the step be tiny (1e-6) without the differences drowning in float rounding.
/// </summary>
public static class GradientCheck
{
    public static GradientCheckResult Run(Architecture architecture, Penalty penalty, long seed, int batch = 4)
    {
        var rng = Rng.ForPurpose(seed, "gradcheck");
        var model = Mlp.Initialize(architecture, seed);
        // Non-zero biases, so that their gradients and their effect on the forward pass are exercised.
        for (int l = 0; l < model.Layout.LayerCount; l++)
            foreach (ref var b in model.Bias(l)) b = (float)rng.NextDouble(-0.5, 0.5);
        var inputs = new float[architecture.InputSize * batch];
        foreach (ref var x in inputs.AsSpan()) x = (float)rng.NextGaussian();
        int outputs = architecture.OutputSize;
        bool labelled = Losses.NeedsLabels(architecture.Loss) || architecture.Loss == Loss.Bce;
        var labels = labelled ? Enumerable.Range(0, batch).Select(_ => rng.NextInt(Math.Max(outputs, 2))).ToArray() : [];
        var targets = labelled ? [] : Enumerable.Range(0, outputs * batch).Select(_ => (float)rng.NextGaussian()).ToArray();

        var analytic = new float[model.Layout.Count];
        new Backprop(architecture).Gradient(model.Parameters, inputs, batch, labels, targets, 1f / batch, analytic);
        penalty.AddGradient(model.Layout, model.Parameters, analytic);

        var theta = model.Parameters.Select(p => (double)p).ToArray();
        const double step = 1e-6;
        var worst = new GradientCheckResult(0, -1, 0, 0, theta.Length);
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + step;
            double up = ReferenceLoss(architecture, penalty, theta, inputs, batch, labels, targets);
            theta[i] = saved - step;
            double down = ReferenceLoss(architecture, penalty, theta, inputs, batch, labels, targets);
            theta[i] = saved;
            double numeric = (up - down) / (2 * step);
            // Relative to the larger magnitude, floored so gradients that are zero in both
            // computations (dead units) do not divide by zero.
            double error = Math.Abs(analytic[i] - numeric) / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)), 1e-4);
            if (error > worst.WorstRelativeError) worst = new GradientCheckResult(error, i, analytic[i], numeric, theta.Length);
        }
        return worst;
    }

    /// <summary>Mean per-sample loss plus penalty, in double, one unit at a time.</summary>
    public static double ReferenceLoss(Architecture architecture, Penalty penalty, double[] theta,
        ReadOnlySpan<float> inputs, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets)
    {
        var layout = new ParameterLayout(architecture);
        var weightOffsets = Enumerable.Range(0, layout.LayerCount).Select(l => layout.WeightRange(l).Offset).ToArray();
        double total = 0;
        for (int n = 0; n < batch; n++)
        {
            var a = new double[architecture.InputSize];
            for (int c = 0; c < a.Length; c++) a[c] = inputs[n * a.Length + c];
            for (int l = 0; l < architecture.Layers.Count; l++)
            {
                int units = architecture.Layers[l].Units, fanIn = a.Length;
                var z = new double[units];
                for (int r = 0; r < units; r++)
                {
                    double sum = architecture.Bias ? theta[weightOffsets[l] + units * fanIn + r] : 0;
                    for (int c = 0; c < fanIn; c++) sum += theta[weightOffsets[l] + c * units + r] * a[c];
                    z[r] = Activate(architecture.Layers[l].Activation, sum);
                }
                a = z;
            }
            total += SampleLoss(architecture.Loss, a, labels.IsEmpty ? -1 : labels[n],
                labels.IsEmpty ? targets.Slice(n * a.Length, a.Length).ToArray() : []);
        }
        double l1 = 0, l2 = 0;
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var (offset, length) = layout.WeightRange(l);
            for (int i = offset; i < offset + length; i++) { l1 += Math.Abs(theta[i]); l2 += theta[i] * theta[i]; }
        }
        return total / batch + penalty.L1 * l1 + penalty.L2 * l2;
    }

    private static double Activate(Activation activation, double z) => activation switch
    {
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.Relu => Math.Max(z, 0),
        Activation.LeakyRelu => z > 0 ? z : Activations.LeakySlope * z,
        _ => z,
    };

    private static double SampleLoss(Loss loss, double[] s, int label, float[] targets)
    {
        double Target(int j) => label < 0 ? targets[j] : s.Length == 1 ? label : j == label ? 1 : 0;
        switch (loss)
        {
            case Loss.Mse: return Enumerable.Range(0, s.Length).Sum(j => (s[j] - Target(j)) * (s[j] - Target(j))) / s.Length;
            case Loss.Mae: return Enumerable.Range(0, s.Length).Sum(j => Math.Abs(s[j] - Target(j))) / s.Length;
            case Loss.Bce:
                return Enumerable.Range(0, s.Length).Sum(j =>
                {
                    double p = 1 / (1 + Math.Exp(-s[j])), t = Target(j);
                    return -(t * Math.Log(p) + (1 - t) * Math.Log(1 - p));
                }) / s.Length;
            case Loss.SoftmaxCrossEntropy:
                return -Math.Log(Math.Exp(s[label]) / s.Sum(Math.Exp));
            case Loss.Hinge:
                return Enumerable.Range(0, s.Length).Where(j => j != label).Sum(j => Math.Max(0, 1 + s[j] - s[label]));
            default: throw new ArgumentOutOfRangeException(nameof(loss));
        }
    }
}
