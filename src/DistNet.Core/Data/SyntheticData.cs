using DistNet.Core.Random;

namespace DistNet.Core.Data;

/// <summary>
/// Small 2-D problems that a linear model cannot solve but a small MLP can, for seeing
/// quickly whether training works at all. Classes are "0" and "1", half the samples each
/// (one more in class "1" for an odd count); the order is shuffled, as scikit-learn does.
/// </summary>
public static class SyntheticData
{
    public const int DefaultSamples = 400;
    public const double DefaultXorNoise = 0.05;
    public const double DefaultCirclesNoise = 0.1;
    public const double DefaultMoonsNoise = 0.1;
    public const double DefaultSpiralsNoise = 0.05;

    // Keeping points this far from the axes leaves a gap that noise of ~0.05 rarely crosses, so the
    // quadrant rule stays learnable to ≥ 97 % while any single line still gets about 75 %.
    private const double XorMargin = 0.1;
    // Two arms of 1.5 turns each lie 1/3 apart radially: wide enough for noise 0.05, but curled enough to need hidden units.
    private const double SpiralTurns = 1.5;

    /// <summary>Uniform points in [-1,1]² outside a margin around the axes; class "1" where sign(x) ≠ sign(y).</summary>
    public static Dataset Xor(int samples = DefaultSamples, double noise = DefaultXorNoise, long seed = 1)
    {
        var rng = Start(samples, noise, seed, "xor");
        var points = new (double X, double Y, int Label)[samples];
        for (int i = 0; i < samples; i++)
        {
            int label = ClassOf(i, samples);
            // Alternating the x sign within each class fills all four quadrants equally.
            double sx = i % 2 == 0 ? 1 : -1, sy = label == 0 ? sx : -sx;
            points[i] = (sx * rng.NextDouble(XorMargin, 1), sy * rng.NextDouble(XorMargin, 1), label);
        }
        return Finish("xor", points, noise, rng);
    }

    /// <summary>scikit-learn's make_circles with factor 0.5: class "0" on radius 1, class "1" on radius 0.5.</summary>
    public static Dataset Circles(int samples = DefaultSamples, double noise = DefaultCirclesNoise, long seed = 1)
    {
        var rng = Start(samples, noise, seed, "circles");
        int outer = samples / 2, inner = samples - outer;
        var points = new (double X, double Y, int Label)[samples];
        for (int i = 0; i < outer; i++)
        {
            double angle = 2 * Math.PI * i / outer;
            points[i] = (Math.Cos(angle), Math.Sin(angle), 0);
        }
        for (int i = 0; i < inner; i++)
        {
            double angle = 2 * Math.PI * i / inner;
            points[outer + i] = (0.5 * Math.Cos(angle), 0.5 * Math.Sin(angle), 1);
        }
        return Finish("circles", points, noise, rng);
    }

    /// <summary>scikit-learn's make_moons: two interleaved half circles of radius 1.</summary>
    public static Dataset Moons(int samples = DefaultSamples, double noise = DefaultMoonsNoise, long seed = 1)
    {
        var rng = Start(samples, noise, seed, "moons");
        int outer = samples / 2, inner = samples - outer;
        var points = new (double X, double Y, int Label)[samples];
        for (int i = 0; i < outer; i++)
        {
            double angle = Math.PI * i / Math.Max(1, outer - 1);
            points[i] = (Math.Cos(angle), Math.Sin(angle), 0);
        }
        for (int i = 0; i < inner; i++)
        {
            double angle = Math.PI * i / Math.Max(1, inner - 1);
            points[outer + i] = (1 - Math.Cos(angle), 0.5 - Math.Sin(angle), 1);
        }
        return Finish("moons", points, noise, rng);
    }

    /// <summary>Two arms r = t, θ = 2π·1.5·t (t in (0,1]), the second turned by π.</summary>
    public static Dataset Spirals(int samples = DefaultSamples, double noise = DefaultSpiralsNoise, long seed = 1)
    {
        var rng = Start(samples, noise, seed, "spirals");
        var points = new (double X, double Y, int Label)[samples];
        int first = samples / 2;
        for (int i = 0; i < samples; i++)
        {
            int label = ClassOf(i, samples);
            int inClass = label == 0 ? first : samples - first;
            int k = label == 0 ? i : i - first;
            double t = (k + 1.0) / inClass;
            double angle = 2 * Math.PI * SpiralTurns * t + label * Math.PI;
            points[i] = (t * Math.Cos(angle), t * Math.Sin(angle), label);
        }
        return Finish("spirals", points, noise, rng);
    }

    private static Rng Start(int samples, double noise, long seed, string name)
    {
        if (samples < 2)
            throw new ArgumentException($"{name}: samples must be at least 2 (one per class), got {samples}", nameof(samples));
        if (!(noise >= 0) || double.IsInfinity(noise))
            throw new ArgumentException($"{name}: noise must be a finite number ≥ 0, got {noise}", nameof(noise));
        return Rng.ForPurpose(seed, "data:" + name);
    }

    private static int ClassOf(int index, int samples) => index < samples / 2 ? 0 : 1;

    private static Dataset Finish(string name, (double X, double Y, int Label)[] points, double noise, Rng rng)
    {
        rng.Shuffle(points.AsSpan());
        var features = new float[2 * points.Length];
        var labels = new int[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            features[2 * i] = (float)(points[i].X + noise * rng.NextGaussian());
            features[2 * i + 1] = (float)(points[i].Y + noise * rng.NextGaussian());
            labels[i] = points[i].Label;
        }
        var data = new Dataset(name, 2, features, labels, ["0", "1"]);
        DataValidation.RequireFinite(data, (s, j) => $"{name}, sample {s}, feature {j}");
        return data;
    }
}
