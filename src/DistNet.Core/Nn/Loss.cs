namespace DistNet.Core.Nn;

public enum Loss { Mse, Mae, Bce, SoftmaxCrossEntropy, Hinge }

/// <summary>
/// The losses of docs/losses.md, each fused with its output activation: the network's last
/// layer emits raw scores s, and sigmoid or softmax is folded into the loss, which keeps
/// log(1+e^−s) and log-sum-exp stable for large |s|.
/// Targets are integer labels (classification) or K real values per sample (regression).
/// For mse, mae and bce a label y means the one-hot vector e_y, or, with a single output, y itself.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Returns Σ over the batch of the per-sample loss. When <paramref name="gradient"/> is not
    /// empty it receives scale · ∂(Σ per-sample loss)/∂s, so scale = 1/(global batch size)
    /// yields the gradient of the batch mean even when the batch is computed in pieces.
    /// </summary>
    public static double Evaluate(Loss loss, ReadOnlySpan<float> scores, int outputs, int batch,
        ReadOnlySpan<int> labels, ReadOnlySpan<float> values, float scale, Span<float> gradient)
    {
        if (scores.Length < outputs * batch) throw new ArgumentException("scores smaller than outputs × batch");
        bool wantGradient = !gradient.IsEmpty;
        if (labels.IsEmpty && values.Length < outputs * batch)
            throw new ArgumentException("targets: labels or outputs × batch values expected");
        if ((loss is Loss.SoftmaxCrossEntropy or Loss.Hinge) && labels.IsEmpty)
            throw new ArgumentException($"{Name(loss)} needs class labels");

        double total = 0;
        for (int n = 0; n < batch; n++)
        {
            var s = scores.Slice(n * outputs, outputs);
            var g = wantGradient ? gradient.Slice(n * outputs, outputs) : Span<float>.Empty;
            total += loss switch
            {
                Loss.SoftmaxCrossEntropy => SoftmaxCrossEntropy(s, labels[n], scale, g),
                Loss.Hinge => Hinge(s, labels[n], scale, g),
                _ => Elementwise(loss, s, labels.IsEmpty ? -1 : labels[n],
                    labels.IsEmpty ? values.Slice(n * outputs, outputs) : default, scale, g),
            };
        }
        return total;
    }

    /// <summary>mse, mae and bce: mean over the K outputs of a per-output loss.</summary>
    private static double Elementwise(Loss loss, ReadOnlySpan<float> s, int label, ReadOnlySpan<float> values,
        float scale, Span<float> g)
    {
        int k = s.Length;
        double sum = 0;
        float gradScale = scale / k;
        for (int j = 0; j < k; j++)
        {
            float t = label < 0 ? values[j] : k == 1 ? label : (j == label ? 1f : 0f);
            float x = s[j];
            switch (loss)
            {
                case Loss.Mse:
                    sum += (double)(x - t) * (x - t);
                    if (!g.IsEmpty) g[j] = 2f * (x - t) * gradScale;
                    break;
                case Loss.Mae:
                    sum += Math.Abs((double)x - t);
                    if (!g.IsEmpty) g[j] = Penalty.Sign(x - t) * gradScale;
                    break;
                case Loss.Bce:
                    // −[t log σ(x) + (1−t) log(1−σ(x))] = max(x,0) − x·t + log(1 + e^−|x|)
                    sum += Math.Max(x, 0) - (double)x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                    if (!g.IsEmpty) g[j] = (Sigmoid(x) - t) * gradScale;
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(loss));
            }
        }
        return sum / k;
    }

    private static double SoftmaxCrossEntropy(ReadOnlySpan<float> s, int label, float scale, Span<float> g)
    {
        CheckLabel(label, s.Length);
        float max = float.NegativeInfinity;
        foreach (var x in s) max = Math.Max(max, x);
        double sumExp = 0;
        foreach (var x in s) sumExp += Math.Exp(x - max);
        double logSumExp = max + Math.Log(sumExp);
        if (!g.IsEmpty)
            for (int j = 0; j < s.Length; j++)
                g[j] = (float)((Math.Exp(s[j] - logSumExp) - (j == label ? 1 : 0)) * scale);
        return logSumExp - s[label];
    }

    private static double Hinge(ReadOnlySpan<float> s, int label, float scale, Span<float> g)
    {
        CheckLabel(label, s.Length);
        if (!g.IsEmpty) g.Clear();
        double sum = 0;
        for (int j = 0; j < s.Length; j++)
        {
            if (j == label) continue;
            float margin = 1f + s[j] - s[label];
            if (margin <= 0) continue;
            sum += margin;
            if (!g.IsEmpty) { g[j] += scale; g[label] -= scale; }
        }
        return sum;
    }

    private static float Sigmoid(float x) => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x));

    private static void CheckLabel(int label, int outputs)
    {
        if ((uint)label >= (uint)outputs) throw new ArgumentOutOfRangeException(nameof(label), $"label {label} outside 0..{outputs - 1}");
    }

    /// <summary>
    /// The class a score vector predicts: the largest score, or with a single output the
    /// positive class when the score passes the loss's decision threshold.
    /// </summary>
    public static int PredictClass(Loss loss, ReadOnlySpan<float> s)
    {
        if (s.Length == 1) return s[0] > (loss == Loss.Bce ? 0f : 0.5f) ? 1 : 0;
        int best = 0;
        for (int j = 1; j < s.Length; j++) if (s[j] > s[best]) best = j;
        return best;
    }

    /// <summary>Scores mapped to what the user reads: probabilities for bce and softmax-ce.</summary>
    public static void ToOutputs(Loss loss, ReadOnlySpan<float> s, Span<float> outputs)
    {
        s.CopyTo(outputs);
        if (loss == Loss.Bce) for (int j = 0; j < s.Length; j++) outputs[j] = Sigmoid(s[j]);
        if (loss == Loss.SoftmaxCrossEntropy)
        {
            float max = float.NegativeInfinity;
            foreach (var x in s) max = Math.Max(max, x);
            double sum = 0;
            for (int j = 0; j < s.Length; j++) sum += Math.Exp(s[j] - max);
            for (int j = 0; j < s.Length; j++) outputs[j] = (float)(Math.Exp(s[j] - max) / sum);
        }
    }

    /// <summary>Output units for a classification problem: one sigmoid unit suffices for two classes under bce.</summary>
    public static int OutputUnits(Loss loss, int classes) => loss == Loss.Bce && classes == 2 ? 1 : classes;

    /// <summary>The activation the output layer effectively has, as recorded in the model file.</summary>
    public static string OutputActivation(Loss loss) => loss switch
    {
        Loss.SoftmaxCrossEntropy => "softmax",
        Loss.Bce => "sigmoid",
        _ => "identity",
    };

    public static bool NeedsLabels(Loss loss) => loss is Loss.SoftmaxCrossEntropy or Loss.Hinge;

    public static string Name(Loss loss) => loss switch
    {
        Loss.Mse => "mse",
        Loss.Mae => "mae",
        Loss.Bce => "bce",
        Loss.SoftmaxCrossEntropy => "softmax-ce",
        Loss.Hinge => "hinge",
        _ => throw new ArgumentOutOfRangeException(nameof(loss)),
    };

    public static bool TryParse(string name, out Loss loss)
    {
        foreach (var candidate in Enum.GetValues<Loss>())
            if (Name(candidate) == name) { loss = candidate; return true; }
        loss = default;
        return false;
    }

    public static readonly string[] Names = Enum.GetValues<Loss>().Select(Name).ToArray();
}
