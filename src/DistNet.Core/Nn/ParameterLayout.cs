using DistNet.Core.Linear;

namespace DistNet.Core.Nn;

/// <summary>
/// Where each layer's weights (out×in, column-major) and bias (out) sit in the flat parameter
/// vector; the gradient vector uses the same layout.
/// </summary>
public sealed class ParameterLayout
{
    private readonly int[] _weightOffsets, _biasOffsets;

    public ParameterLayout(Architecture architecture)
    {
        Architecture = architecture;
        int layers = architecture.Layers.Count, offset = 0;
        _weightOffsets = new int[layers];
        _biasOffsets = new int[layers];
        for (int l = 0; l < layers; l++)
        {
            int outputs = architecture.Layers[l].Units, inputs = architecture.InputsOf(l);
            _weightOffsets[l] = offset;
            offset = checked(offset + outputs * inputs);
            _biasOffsets[l] = architecture.Bias ? offset : -1;
            if (architecture.Bias) offset += outputs;
        }
        Count = offset;
    }

    public Architecture Architecture { get; }

    /// <summary>Total number of parameters.</summary>
    public int Count { get; }

    public int LayerCount => _weightOffsets.Length;

    public MatrixView Weights(float[] buffer, int layer) =>
        new(buffer, _weightOffsets[layer], Architecture.Layers[layer].Units, Architecture.InputsOf(layer));

    /// <summary>The layer's bias, or an empty span for a model without biases.</summary>
    public Span<float> Bias(float[] buffer, int layer) =>
        _biasOffsets[layer] < 0 ? Span<float>.Empty : buffer.AsSpan(_biasOffsets[layer], Architecture.Layers[layer].Units);

    public (int Offset, int Length) WeightRange(int layer) =>
        (_weightOffsets[layer], Architecture.Layers[layer].Units * Architecture.InputsOf(layer));
}
