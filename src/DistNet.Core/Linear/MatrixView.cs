using MathNet.Numerics.LinearAlgebra;

namespace DistNet.Core.Linear;

/// <summary>
/// A column-major rows×cols window into a larger buffer. A model's weight matrices are views
/// into its one flat parameter vector (the vector workers and the parameter server exchange),
/// which MathNet's dense storage cannot express: it owns exactly rows·cols floats.
/// </summary>
public readonly struct MatrixView(float[] buffer, int offset, int rows, int columns)
{
    public float[] Buffer { get; } = buffer;
    public int Offset { get; } = offset;
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;

    public Span<float> Span => Buffer.AsSpan(Offset, Rows * Columns);

    public ref float this[int row, int column] => ref Buffer[Offset + column * Rows + row];

    /// <summary>A MathNet copy, for inspection and for independent checks in tests.</summary>
    public Matrix<float> ToMatrix() => Matrix<float>.Build.Dense(Rows, Columns, Span.ToArray());
}
