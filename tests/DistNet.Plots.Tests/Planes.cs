using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Nn;

namespace DistNet.Plots.Tests;

/// <summary>Hand-made 2-D classifiers and points whose regions are known without training.</summary>
public static class Planes
{
    /// <summary>A perceptron scoring class 1 by k·(a·x + b·y) and class 0 by 0: class 1 where a·x + b·y > 0.</summary>
    public static Model HalfPlane(float a, float b, float k = 4)
    {
        var mlp = Mlp.Zeros(Architecture.Create(2, [], Activation.Sigmoid, 2, Loss.SoftmaxCrossEntropy));
        var w = mlp.Weights(0);
        (w[1, 0], w[1, 1]) = (k * a, k * b);
        return new Model(mlp, null, ["0", "1"]);
    }

    /// <summary>Points on a 5×5 lattice over [−1, 1]², labelled by the same rule.</summary>
    public static Dataset Lattice(float a, float b)
    {
        var features = new List<float>();
        var labels = new List<int>();
        for (int i = -2; i <= 2; i++)
            for (int j = -2; j <= 2; j++)
            {
                float x = i / 2f, y = j / 2f;
                features.Add(x);
                features.Add(y);
                labels.Add(a * x + b * y > 0 ? 1 : 0);
            }
        return new Dataset("lattice", 2, features.ToArray(), labels.ToArray(), ["0", "1"]);
    }
}
