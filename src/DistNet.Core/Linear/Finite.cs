using System.Numerics;
using System.Runtime.InteropServices;

namespace DistNet.Core.Linear;

/// <summary>Whether a vector holds only finite numbers: the server asks this of every gradient it receives.</summary>
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
}
