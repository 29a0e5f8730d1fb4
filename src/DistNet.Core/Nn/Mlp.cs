using DistNet.Core.Linear;
using DistNet.Core.Random;
using MathNet.Numerics.LinearAlgebra;

namespace DistNet.Core.Nn;

/// <summary>
/// A multilayer perceptron is its architecture and one flat parameter vector; every weight
/// matrix and bias vector is a view into that vector.
/// </summary>
public sealed class Mlp
{
    public Mlp(Architecture architecture, float[] parameters)
    {
        Layout = new ParameterLayout(architecture);
        if (parameters.Length != Layout.Count)
            throw new ArgumentException($"architecture {architecture} has {Layout.Count} parameters, not {parameters.Length}", nameof(parameters));
        Parameters = parameters;
    }

    public Architecture Architecture => Layout.Architecture;
    public ParameterLayout Layout { get; }
    public float[] Parameters { get; }

    public MatrixView Weights(int layer) => Layout.Weights(Parameters, layer);
    public Span<float> Bias(int layer) => Layout.Bias(Parameters, layer);

    /// <summary>
    /// Seeded initialisation: Glorot/Xavier uniform, limit √(6/(in+out)), for sigmoid, tanh and
    /// identity layers; He uniform, limit √(6/in), for relu-like layers. Biases start at zero.
    /// </summary>
    public static Mlp Initialize(Architecture architecture, long seed)
    {
        var mlp = Zeros(architecture);
        var rng = Rng.ForPurpose(seed, "init");
        for (int l = 0; l < architecture.Layers.Count; l++)
        {
            int inputs = architecture.InputsOf(l), outputs = architecture.Layers[l].Units;
            double limit = architecture.Layers[l].Activation is Activation.Relu or Activation.LeakyRelu
                ? Math.Sqrt(6.0 / inputs)
                : Math.Sqrt(6.0 / (inputs + outputs));
            foreach (ref var w in mlp.Weights(l).Span) w = (float)rng.NextDouble(-limit, limit);
        }
        return mlp;
    }

    public static Mlp Zeros(Architecture architecture) => new(architecture, new float[new ParameterLayout(architecture).Count]);

    public Mlp Clone() => new(Architecture, (float[])Parameters.Clone());

    /// <summary>Raw scores, outputs × batch, for inputs given as features × batch.</summary>
    public Matrix<float> Scores(Matrix<float> inputs)
    {
        if (inputs.RowCount != Architecture.InputSize)
            throw new ArgumentException($"model expects {Architecture.InputSize} features, got {inputs.RowCount}", nameof(inputs));
        var pass = new Backprop(Architecture);
        var scores = pass.Forward(Parameters, inputs.ToColumnMajorArray(), inputs.ColumnCount);
        return Matrix<float>.Build.Dense(Architecture.OutputSize, inputs.ColumnCount, scores.ToArray());
    }
}
