namespace DistNet.Core.Nn;

/// <summary>One dense layer y = f(Wx + b): its width and activation.</summary>
public sealed record LayerSpec(int Units, Activation Activation);

/// <summary>
/// The shape of a multilayer perceptron. The last layer emits raw scores (identity); the loss
/// supplies the output activation. No hidden layer at all is the perceptron.
/// </summary>
public sealed record Architecture
{
    public Architecture(int inputSize, IReadOnlyList<LayerSpec> layers, bool bias, Loss loss)
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), "a model needs at least one input");
        if (layers.Count == 0) throw new ArgumentException("a model needs an output layer", nameof(layers));
        foreach (var layer in layers)
            if (layer.Units <= 0) throw new ArgumentException($"a layer needs at least one unit, not {layer.Units}", nameof(layers));
        if (layers[^1].Activation != Activation.Identity)
            throw new ArgumentException("the output layer emits raw scores; its activation comes from the loss", nameof(layers));
        InputSize = inputSize;
        Layers = layers.ToArray();
        Bias = bias;
        Loss = loss;
    }

    public static Architecture Create(int inputSize, IEnumerable<int> hidden, Activation hiddenActivation,
        int outputs, Loss loss, bool bias = true) =>
        new(inputSize,
            hidden.Select(units => new LayerSpec(units, hiddenActivation))
                .Append(new LayerSpec(outputs, Activation.Identity)).ToArray(),
            bias, loss);

    public int InputSize { get; }
    public IReadOnlyList<LayerSpec> Layers { get; }
    public bool Bias { get; }
    public Loss Loss { get; }

    public int OutputSize => Layers[^1].Units;

    public int InputsOf(int layer) => layer == 0 ? InputSize : Layers[layer - 1].Units;

    public override string ToString() =>
        string.Join("-", Layers.Select(l => l.Units).Prepend(InputSize)) +
        $" ({string.Join(",", Layers.Take(Layers.Count - 1).Select(l => Activations.Name(l.Activation)).Distinct())}{(Layers.Count > 1 ? ", " : "")}{Losses.Name(Loss)}{(Bias ? "" : ", no bias")})";
}
