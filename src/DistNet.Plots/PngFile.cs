namespace DistNet.Plots;

internal static class PngFile
{
    /// <summary>Refuses anything but a .png path (ScottPlot would pick another format by the extension) and creates its directory.</summary>
    public static void Prepare(string path)
    {
        if (!string.Equals(Path.GetExtension(path), ".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: DistNet writes PNG images; give a file name ending in .png");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
    }
}
