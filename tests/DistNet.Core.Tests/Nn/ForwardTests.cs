using DistNet.Core.Nn;
using MathNet.Numerics.LinearAlgebra;

namespace DistNet.Core.Tests.Nn;

public class ForwardTests
{
    [Fact]
    public void Scores_equal_MathNet_matrix_algebra_layer_by_layer()
    {
        var architecture = Architecture.Create(6, [5, 4], Activation.Tanh, outputs: 3, Loss.SoftmaxCrossEntropy);
        var model = Mlp.Initialize(architecture, 11);
        for (int l = 0; l < 3; l++) for (int i = 0; i < model.Bias(l).Length; i++) model.Bias(l)[i] = 0.1f * (i - l);
        var random = new System.Random(5);
        var x = Matrix<float>.Build.Dense(6, 7, (_, _) => (float)random.NextDouble() * 2 - 1);

        var a = x;
        for (int l = 0; l < 3; l++)
        {
            var bias = Vector<float>.Build.DenseOfArray(model.Bias(l).ToArray());
            var z = model.Weights(l).ToMatrix() * a;
            for (int c = 0; c < z.ColumnCount; c++) z.SetColumn(c, z.Column(c) + bias);
            a = l < 2 ? z.Map(v => MathF.Tanh(v)) : z;
        }

        var scores = model.Scores(x);
        Assert.Equal(3, scores.RowCount);
        Assert.Equal(7, scores.ColumnCount);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 7; c++)
                Assert.Equal(a[r, c], scores[r, c], 1e-5f);
    }

    [Fact]
    public void Weight_views_share_the_flat_parameter_vector()
    {
        var architecture = Architecture.Create(2, [3], Activation.Sigmoid, outputs: 1, Loss.Bce);
        var model = Mlp.Initialize(architecture, 1);
        Assert.Equal(2 * 3 + 3 + 3 * 1 + 1, model.Parameters.Length);
        model.Weights(0)[2, 1] = 42f;         // unit 2, input 1: column-major offset 1·3 + 2
        Assert.Equal(42f, model.Parameters[5]);
        model.Bias(1)[0] = -7f;               // the very last parameter
        Assert.Equal(-7f, model.Parameters[^1]);
    }

    [Fact]
    public void Perceptron_has_a_single_layer()
    {
        var perceptron = Architecture.Create(4, [], Activation.Sigmoid, outputs: 1, Loss.Bce);
        Assert.Single(perceptron.Layers);
        Assert.Equal(5, new ParameterLayout(perceptron).Count);
    }

    [Fact]
    public void Seeded_initialisation_is_reproducible_and_in_the_Glorot_range()
    {
        var architecture = Architecture.Create(100, [50], Activation.Sigmoid, outputs: 10, Loss.SoftmaxCrossEntropy);
        var a = Mlp.Initialize(architecture, 3);
        var b = Mlp.Initialize(architecture, 3);
        var c = Mlp.Initialize(architecture, 4);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters);
        double limit = Math.Sqrt(6.0 / 150);
        var w = a.Weights(0).Span.ToArray();
        Assert.All(w, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Max() > 0.9 * limit && w.Min() < -0.9 * limit, "uniform draws should fill the range");
        Assert.All(a.Bias(0).ToArray(), v => Assert.Equal(0f, v));

        var relu = Mlp.Initialize(Architecture.Create(100, [50], Activation.Relu, 10, Loss.SoftmaxCrossEntropy), 3);
        Assert.True(relu.Weights(0).Span.ToArray().Max() > Math.Sqrt(6.0 / 150), "He's limit √(6/in) is wider than Glorot's");
    }
}
