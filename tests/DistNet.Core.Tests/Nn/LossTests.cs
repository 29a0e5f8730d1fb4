using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Nn;

public class LossTests
{
    private static double Eval(Loss loss, float[] scores, int outputs, int[] labels, float[]? targets = null) =>
        Losses.Evaluate(loss, scores, outputs, scores.Length / outputs, labels, targets ?? [], 0f, default) / (scores.Length / outputs);

    [Fact]
    public void Softmax_cross_entropy_by_hand()
    {
        // −log(e^2 / (e^1 + e^2 + e^3)) = log(e + e² + e³) − 2
        double expected = Math.Log(Math.E + Math.Exp(2) + Math.Exp(3)) - 2;
        Assert.Equal(expected, Eval(Loss.SoftmaxCrossEntropy, [1, 2, 3], 3, [1]), 6);
    }

    [Fact]
    public void Softmax_cross_entropy_is_stable_for_huge_scores()
    {
        double loss = Eval(Loss.SoftmaxCrossEntropy, [1000, 0, -1000], 3, [1]);
        Assert.Equal(1000, loss, 3);
    }

    [Fact]
    public void Bce_is_stable_and_matches_the_formula()
    {
        // one output, label 1, score 0: −log σ(0) = log 2
        Assert.Equal(Math.Log(2), Eval(Loss.Bce, [0f], 1, [1]), 6);
        // score −200 for a positive: −log σ(−200) ≈ 200, finite
        Assert.Equal(200, Eval(Loss.Bce, [-200f], 1, [1]), 3);
    }

    [Fact]
    public void Hinge_by_hand()
    {
        // label 0, scores [1, 0.5, 2]: max(0, 1+0.5−1) + max(0, 1+2−1) = 0.5 + 2
        Assert.Equal(2.5, Eval(Loss.Hinge, [1, 0.5f, 2], 3, [0]), 6);
    }

    [Fact]
    public void Mse_and_mae_are_means_over_outputs_and_samples()
    {
        float[] scores = [1, 2, 3, 4];      // two samples of two outputs
        float[] targets = [0, 0, 3, 6];
        Assert.Equal(((1 + 4) / 2.0 + (0 + 4) / 2.0) / 2, Eval(Loss.Mse, scores, 2, [], targets), 6);
        Assert.Equal(((1 + 2) / 2.0 + (0 + 2) / 2.0) / 2, Eval(Loss.Mae, scores, 2, [], targets), 6);
    }

    [Fact]
    public void Mse_on_labels_uses_one_hot_targets()
    {
        // label 1 of 3: target [0,1,0]; scores [0.5, 0.5, 0] → (0.25 + 0.25 + 0)/3
        Assert.Equal(0.5 / 3, Eval(Loss.Mse, [0.5f, 0.5f, 0], 3, [1]), 6);
    }

    [Fact]
    public void Predicted_class_and_output_probabilities()
    {
        Assert.Equal(2, Losses.PredictClass(Loss.SoftmaxCrossEntropy, [0.1f, -1, 3]));
        Assert.Equal(1, Losses.PredictClass(Loss.Bce, [0.01f]));
        Assert.Equal(0, Losses.PredictClass(Loss.Bce, [-0.01f]));
        var p = new float[3];
        Losses.ToOutputs(Loss.SoftmaxCrossEntropy, [1, 2, 3], p);
        Assert.Equal(1f, p.Sum(), 5);
        Assert.Equal(Math.Exp(3) / (Math.E + Math.Exp(2) + Math.Exp(3)), p[2], 5);
    }
}
