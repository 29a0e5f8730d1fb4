using System.Numerics;
using System.Runtime.InteropServices;

namespace DistNet.Core.Linear;

/// <summary>Whether a vector holds only finite numbers, and how large they get: the server asks this of every gradient it receives.</summary>
public static class Finite
{
    /// <summary>
    /// x − x is 0 for a finite x and NaN for ±∞ or NaN, and NaN survives addition; so one pass
    /// of vector subtractions and additions decides it, at memory speed.
    /// </summary>
    public static bool All(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var acc = Vector<float>.Zero;
        foreach (var v in vectors) acc += v - v;
        if (acc != Vector<float>.Zero) return false;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return false;
        return true;
    }

    /// <summary>The largest |x| (+∞ if some x is ±∞), or NaN if some x is NaN; 0 for no values.</summary>
    public static float LargestMagnitude(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> largest = Vector<float>.Zero, nan = Vector<float>.Zero;
        foreach (var v in vectors)
        {
            largest = Vector.Max(largest, Vector.Abs(v));
            nan |= ~Vector.Equals(v, v).As<int, float>();
        }
        return Finish(largest, nan, values[(vectors.Length * Vector<float>.Count)..]);
    }

    /// <summary>
    /// <paramref name="sum"/> += <paramref name="other"/>, element by element (the same bits as
    /// TensorPrimitives.Add), and <see cref="LargestMagnitude"/> of the result, taken in the same
    /// pass: a separate pass over a model-sized vector costs as much as the addition itself.
    /// </summary>
    public static float AddAndMeasure(Span<float> sum, ReadOnlySpan<float> other)
    {
        if (other.Length != sum.Length) throw new ArgumentException("the vectors differ in length", nameof(other));
        var sums = MemoryMarshal.Cast<float, Vector<float>>(sum);
        var others = MemoryMarshal.Cast<float, Vector<float>>(other);
        Vector<float> largest = Vector<float>.Zero, nan = Vector<float>.Zero;
        for (int i = 0; i < sums.Length; i++)
        {
            var v = sums[i] + others[i];
            sums[i] = v;
            largest = Vector.Max(largest, Vector.Abs(v));
            nan |= ~Vector.Equals(v, v).As<int, float>();
        }
        int tail = sums.Length * Vector<float>.Count;
        for (int i = tail; i < sum.Length; i++) sum[i] += other[i];
        return Finish(largest, nan, sum[tail..]);
    }

    private static float Finish(Vector<float> largest, Vector<float> nan, ReadOnlySpan<float> tail)
    {
        // NaN is decided apart from Vector.Max, whatever that makes of NaN.
        if (nan != Vector<float>.Zero) return float.NaN;
        float result = 0;
        for (int k = 0; k < Vector<float>.Count; k++) result = Math.Max(result, largest[k]);
        foreach (var x in tail)
        {
            if (float.IsNaN(x)) return float.NaN;
            result = Math.Max(result, Math.Abs(x));
        }
        return result;
    }
}
