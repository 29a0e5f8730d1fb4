namespace DistNet.Plots.Tests;

/// <summary>A PNG read back from disk, to check what was drawn without looking at it.</summary>
public sealed class PngPixels
{
    private readonly byte[,,] _rgb;

    private PngPixels(byte[,,] rgb) => _rgb = rgb;

    public static PngPixels Read(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is not a PNG");
        using var image = new ScottPlot.Image(bytes);
        return new PngPixels(image.GetArrayRGB());
    }

    public int Height => _rgb.GetLength(0);
    public int Width => _rgb.GetLength(1);

    public (byte R, byte G, byte B) At(int x, int y) => (_rgb[y, x, 0], _rgb[y, x, 1], _rgb[y, x, 2]);

    /// <summary>Variance of the grey level over all pixels: 0 for a blank image, hundreds or more for a drawn one.</summary>
    public double GreyVariance()
    {
        double sum = 0, squares = 0;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                double grey = (_rgb[y, x, 0] + _rgb[y, x, 1] + _rgb[y, x, 2]) / 3.0;
                sum += grey;
                squares += grey * grey;
            }
        double n = (double)Width * Height, mean = sum / n;
        return squares / n - mean * mean;
    }
}

/// <summary>A fresh directory per test, removed afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("distnet-plots-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
