using System.Numerics;
using System.Runtime.InteropServices;
using DistNet.Core.Linear;

namespace DistNet.Core.Nn;

/// <summary>
/// Forward and backward passes over a whole mini-batch, as matrix products: layer l computes
/// A_l = f(W_l A_{l−1} + b_l 1ᵀ) with samples as columns. Holds reusable buffers, so one
/// instance belongs to one thread (one worker).
/// </summary>
public sealed class Backprop(Architecture architecture)
{
    private readonly ParameterLayout _layout = new(architecture);
    private float[][] _activations = [];
    private float[] _delta = [], _deltaPrevious = [];
    private int _capacity, _deltaCapacity;

    public Architecture Architecture => _layout.Architecture;

    /// <summary>
    /// Forward pass of a batch (features × batch, column-major: one sample per column, as the
    /// samples lie in a data set); returns the scores, outputs × batch, valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Forward(float[] parameters, ReadOnlySpan<float> inputs, int batch)
    {
        EnsureCapacity(batch);
        var layers = Architecture.Layers;
        ReadOnlySpan<float> previous = inputs;
        for (int l = 0; l < layers.Count; l++)
        {
            int outputs = layers[l].Units, fanIn = Architecture.InputsOf(l);
            var weights = _layout.Weights(parameters, l);
            var bias = _layout.Bias(parameters, l);
            var z = _activations[l].AsSpan(0, outputs * batch);
            if (!bias.IsEmpty)
                for (int n = 0; n < batch; n++) bias.CopyTo(z.Slice(n * outputs, outputs));
            Blas.Gemm(false, false, outputs, batch, fanIn, 1f, weights.Span, outputs, previous, fanIn,
                bias.IsEmpty ? 0f : 1f, z, outputs);
            Activations.Apply(layers[l].Activation, z);
            previous = z;
        }
        return previous;
    }

    /// <summary>
    /// Writes scale · ∂(Σ per-sample loss)/∂θ into <paramref name="gradient"/> (overwriting it;
    /// the penalty is not included) and returns Σ per-sample loss of the batch.
    /// With scale = 1/(global batch size), gradients of the pieces of a batch add up to the
    /// gradient of the whole batch's mean loss.
    /// </summary>
    public double Gradient(float[] parameters, ReadOnlySpan<float> inputs, int batch,
        ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, float scale, float[] gradient)
    {
        if (gradient.Length != _layout.Count) throw new ArgumentException("gradient buffer has the wrong size", nameof(gradient));
        var scores = Forward(parameters, inputs, batch);
        EnsureDeltaCapacity(batch);
        var layers = Architecture.Layers;
        int last = layers.Count - 1;
        double loss = Losses.Evaluate(Architecture.Loss, scores, layers[last].Units, batch, labels, targets,
            scale, _delta.AsSpan(0, layers[last].Units * batch));

        for (int l = last; l >= 0; l--)
        {
            int outputs = layers[l].Units, fanIn = Architecture.InputsOf(l);
            var delta = _delta.AsSpan(0, outputs * batch);
            ReadOnlySpan<float> previous = l == 0 ? inputs : _activations[l - 1].AsSpan(0, fanIn * batch);

            Blas.Gemm(false, true, outputs, fanIn, batch, 1f, delta, outputs, previous, fanIn,
                0f, _layout.Weights(gradient, l).Span, outputs);
            var biasGradient = _layout.Bias(gradient, l);
            if (!biasGradient.IsEmpty) SumColumns(delta, outputs, batch, biasGradient);
            if (l == 0) break; // the inputs need no gradient

            var deltaPrevious = _deltaPrevious.AsSpan(0, fanIn * batch);
            Blas.Gemm(true, false, fanIn, batch, outputs, 1f, _layout.Weights(parameters, l).Span, outputs,
                delta, outputs, 0f, deltaPrevious, fanIn);
            Activations.MultiplyByDerivative(layers[l - 1].Activation, previous, deltaPrevious);
            (_delta, _deltaPrevious) = (_deltaPrevious, _delta);
        }
        return loss;
    }

    /// <summary>
    /// sum ← Σ_n column n of a rows × columns matrix, added column after column, so that each
    /// element is summed in the same order as by a plain loop over the columns. Adding vectors in
    /// place; a TensorPrimitives.Add call per column took about three times as long here.
    /// </summary>
    private static void SumColumns(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sum)
    {
        sum.Clear();
        var sumVectors = MemoryMarshal.Cast<float, Vector<float>>(sum);
        int tail = sumVectors.Length * Vector<float>.Count;
        for (int n = 0; n < columns; n++)
        {
            var column = matrix.Slice(n * rows, rows);
            var columnVectors = MemoryMarshal.Cast<float, Vector<float>>(column);
            for (int j = 0; j < sumVectors.Length; j++) sumVectors[j] += columnVectors[j];
            for (int i = tail; i < rows; i++) sum[i] += column[i];
        }
    }

    /// <summary>The scores of the last forward pass, outputs × batch.</summary>
    public ReadOnlySpan<float> LastScores(int batch) =>
        _activations[^1].AsSpan(0, Architecture.OutputSize * batch);

    private void EnsureCapacity(int batch)
    {
        if (batch <= _capacity) return;
        _activations = Architecture.Layers.Select(layer => new float[layer.Units * batch]).ToArray();
        _capacity = batch;
    }

    /// <summary>
    /// The backward pass's buffers, allocated only once a gradient is asked for (evaluation never
    /// needs them). Deltas exist for every layer's outputs but never for the inputs.
    /// </summary>
    private void EnsureDeltaCapacity(int batch)
    {
        if (batch <= _deltaCapacity) return;
        int widest = Architecture.Layers.Max(layer => layer.Units);
        _delta = new float[widest * batch];
        _deltaPrevious = new float[widest * batch];
        _deltaCapacity = batch;
    }
}
