using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Nn;

public class PenaltyTests
{
    /// <summary>
    /// The text's example (§10): for x = [1,1,1,1], w1 = [1,0,0,0] and w2 = [¼,¼,¼,¼] give the
    /// same output and the same data loss, and L2 prefers the spread-out w2.
    /// </summary>
    [Fact]
    public void L2_prefers_spread_out_weights_at_equal_data_loss()
    {
        var architecture = Architecture.Create(4, [], Activation.Identity, outputs: 1, Loss.Mse, bias: false);
        var w1 = new Mlp(architecture, [1, 0, 0, 0]);
        var w2 = new Mlp(architecture, [0.25f, 0.25f, 0.25f, 0.25f]);
        float[] x = [1, 1, 1, 1];
        float[] target = [3];

        var out1 = new Backprop(architecture).Forward(w1.Parameters, x, 1).ToArray();
        var out2 = new Backprop(architecture).Forward(w2.Parameters, x, 1).ToArray();
        Assert.Equal(1f, out1[0]);
        Assert.Equal(out1, out2);

        var g = new float[4];
        double loss1 = new Backprop(architecture).Gradient(w1.Parameters, x, 1, [], target, 1, g);
        double loss2 = new Backprop(architecture).Gradient(w2.Parameters, x, 1, [], target, 1, g);
        Assert.Equal(loss1, loss2);

        var l2 = new Penalty(0, 1);
        Assert.Equal(1.0, l2.Value(w1.Layout, w1.Parameters), 6);
        Assert.Equal(0.25, l2.Value(w2.Layout, w2.Parameters), 6);
        // L1 cannot tell them apart: both sum to 1.
        var l1 = new Penalty(1, 0);
        Assert.Equal(l1.Value(w1.Layout, w1.Parameters), l1.Value(w2.Layout, w2.Parameters), 6);
    }

    [Fact]
    public void Biases_are_not_penalised()
    {
        var architecture = Architecture.Create(1, [], Activation.Identity, outputs: 1, Loss.Mse);
        var model = new Mlp(architecture, [2f, 100f]); // weight 2, bias 100
        Assert.Equal(0.5 * 2 + 0.1 * 4, new Penalty(0.5, 0.1).Value(model.Layout, model.Parameters), 6);
        var gradient = new float[2];
        new Penalty(0.5, 0.1).AddGradient(model.Layout, model.Parameters, gradient);
        Assert.Equal(0.5f + 0.2f * 2, gradient[0], 6);
        Assert.Equal(0f, gradient[1]);
    }
}
