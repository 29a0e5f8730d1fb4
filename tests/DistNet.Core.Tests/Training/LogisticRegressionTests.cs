using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Random;
using DistNet.Core.Training;

namespace DistNet.Core.Tests.Training;

public class LogisticRegressionTests
{
    /// <summary>
    /// One sigmoid unit trained with bce is logistic regression (§2①). Its optimum, found here
    /// independently by Newton's method in double precision on the same L2-penalised objective,
    /// must match what gradient descent converges to.
    /// </summary>
    [Fact]
    public void Single_sigmoid_unit_with_bce_converges_to_the_Newton_optimum()
    {
        const int n = 60, d = 2;
        const double l2 = 0.01;
        var rng = new Rng(17);
        var features = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            features[i * d] = (float)rng.NextGaussian();
            features[i * d + 1] = (float)rng.NextGaussian();
            // Noisy labels keep the classes overlapping, so the optimum is finite.
            labels[i] = 0.8 * features[i * d] - 0.5 * features[i * d + 1] + 0.3 + rng.NextGaussian() > 0 ? 1 : 0;
        }
        var data = new Dataset("toy", d, features, labels, ["0", "1"]);

        var architecture = Architecture.Create(d, [], Activation.Sigmoid, outputs: 1, Loss.Bce);
        var model = Mlp.Initialize(architecture, 1);
        Trainer.Train(model, data, new Dataset("none", d, [], [], ["0", "1"]), new TrainerSettings
        {
            Epochs = 3000, BatchSize = n, Shuffle = false, Penalty = new Penalty(0, l2),
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 1.0),
        });

        var newton = NewtonOptimum(features, labels, n, d, l2);
        Assert.Equal(newton[0], model.Parameters[0], 3);
        Assert.Equal(newton[1], model.Parameters[1], 3);
        Assert.Equal(newton[2], model.Parameters[2], 3); // the bias
    }

    /// <summary>Minimises mean bce + λ·(w0² + w1²) (bias unpenalised) by Newton's method.</summary>
    private static double[] NewtonOptimum(float[] x, int[] y, int n, int d, double l2)
    {
        var theta = new double[d + 1]; // w0, w1, b
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var g = new double[d + 1];
            var h = new double[d + 1, d + 1];
            for (int i = 0; i < n; i++)
            {
                double[] row = [x[i * d], x[i * d + 1], 1];
                double z = theta[0] * row[0] + theta[1] * row[1] + theta[2];
                double p = 1 / (1 + Math.Exp(-z));
                for (int a = 0; a <= d; a++)
                {
                    g[a] += (p - y[i]) * row[a] / n;
                    for (int b = 0; b <= d; b++) h[a, b] += p * (1 - p) * row[a] * row[b] / n;
                }
            }
            for (int a = 0; a < d; a++) { g[a] += 2 * l2 * theta[a]; h[a, a] += 2 * l2; }
            var step = Solve3(h, g);
            for (int a = 0; a <= d; a++) theta[a] -= step[a];
        }
        return theta;
    }

    private static double[] Solve3(double[,] a, double[] b)
    {
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(a);
        return m.Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(b)).ToArray();
    }
}
