using DistNet.Core.Data;
using DistNet.Core.Nn;

namespace DistNet.Core.Models;

/// <summary>
/// What a model file holds: the network, the input transform it was trained behind (if any)
/// and the class names its outputs stand for (null for regression).
/// </summary>
public sealed record Model(Mlp Network, InputTransform? InputTransform, string[]? Classes)
{
    /// <summary>Applies the stored input transform to a data set, as training saw it.</summary>
    public Dataset Prepare(Dataset data) => InputTransform is null ? data : data.Transformed(InputTransform);
}

/// <summary>A model file that cannot be used; the message names the file and the problem.</summary>
public sealed class ModelFileException(string message) : Exception(message);
