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
        ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, float scale, float[] gradient) =>
        Gradient(parameters, inputs, batch, labels, targets, scale, gradient, firstLayerDelta: default);

    /// <summary>
    /// The same, except the first layer's weight gradient: instead of the product δ₁Xᵀ, it writes
    /// δ₁ (the first layer's units × batch) into <paramref name="firstLayerDelta"/> and leaves that
    /// region of <paramref name="gradient"/> as it was. δ₁ and the batch's inputs are the product's
    /// sufficient factors: for a batch smaller than the input width they are fewer numbers than the
    /// product, and whoever holds the inputs too gets the same bits from
    /// <see cref="FirstLayerWeightGradient"/> (the cluster's links do, see docs/cluster.md).
    /// </summary>
    public double GradientWithoutFirstLayerWeights(float[] parameters, ReadOnlySpan<float> inputs, int batch,
        ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, float scale, float[] gradient, Span<float> firstLayerDelta)
    {
        if (firstLayerDelta.Length != Architecture.Layers[0].Units * batch)
            throw new ArgumentException("first-layer delta buffer has the wrong size", nameof(firstLayerDelta));
        return Gradient(parameters, inputs, batch, labels, targets, scale, gradient, firstLayerDelta);
    }

    /// <summary>
    /// The first layer's weight gradient δ₁Xᵀ (units × inputs, into <paramref name="into"/>) from its
    /// factors: the very product <see cref="Gradient(float[], ReadOnlySpan{float}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, float, float[])"/>
    /// computes for that layer, so the result has the same bits.
    /// </summary>
    public static void FirstLayerWeightGradient(Architecture architecture, ReadOnlySpan<float> delta, ReadOnlySpan<float> inputs,
        int batch, Span<float> into)
    {
        int outputs = architecture.Layers[0].Units, fanIn = architecture.InputSize;
        if (delta.Length != outputs * batch || inputs.Length != fanIn * batch || into.Length != outputs * fanIn)
            throw new ArgumentException($"factors of {delta.Length} and {inputs.Length} numbers do not make a {outputs} × {fanIn} gradient of a batch of {batch}");
        WeightGradient(outputs, fanIn, batch, delta, inputs, into);
    }

    /// <summary>∂/∂W of a layer: δ · previousᵀ, summed over the batch by the product.</summary>
    private static void WeightGradient(int outputs, int fanIn, int batch, ReadOnlySpan<float> delta, ReadOnlySpan<float> previous, Span<float> into) =>
        Blas.Gemm(false, true, outputs, fanIn, batch, 1f, delta, outputs, previous, fanIn, 0f, into, outputs);

    private double Gradient(float[] parameters, ReadOnlySpan<float> inputs, int batch,
        ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, float scale, float[] gradient, Span<float> firstLayerDelta)
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

            if (l == 0 && !firstLayerDelta.IsEmpty) delta.CopyTo(firstLayerDelta);
            else WeightGradient(outputs, fanIn, batch, delta, previous, _layout.Weights(gradient, l).Span);
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
