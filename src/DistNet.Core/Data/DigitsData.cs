using System.IO.Compression;

namespace DistNet.Core.Data;

/// <summary>
/// The default data set, shipped inside the library so that a first run needs no download:
/// scikit-learn's copy of the UCI handwritten digits, 1,797 images of 8×8 pixels with values
/// 0..16, stored as CSV without a header, the label in the last column.
/// </summary>
public static class DigitsData
{
    public const string ResourceName = "DistNet.Core.Data.digits.csv.gz";
    public const int PixelCount = 64;
    private const int MaxPixel = 16;
    private const string Source = "embedded digits.csv.gz";

    public static Dataset Load()
    {
        using var resource = typeof(DigitsData).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DataException($"{Source}: resource {ResourceName} is missing from the DistNet.Core assembly");
        using var reader = new StreamReader(new GZipStream(resource, CompressionMode.Decompress));

        var features = new List<float>(1797 * PixelCount);
        var labels = new List<int>(1797);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(',');
            if (fields.Length != PixelCount + 1)
                throw new DataException($"{Source}, line {lineNumber}: expected {PixelCount + 1} fields, found {fields.Length}");
            for (int j = 0; j < PixelCount; j++)
                features.Add(ParseInRange(fields[j], MaxPixel, lineNumber, $"pixel {j}") / (float)MaxPixel);
            labels.Add(ParseInRange(fields[PixelCount], 9, lineNumber, "label"));
        }

        var data = new Dataset("digits", PixelCount, features.ToArray(), labels.ToArray(),
            Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray());
        DataValidation.RequireFinite(data, (s, j) => $"{Source}, line {s + 1}, pixel {j}");
        return data;
    }

    private static int ParseInRange(string text, int max, int lineNumber, string what)
    {
        if (!int.TryParse(text, out int value) || value < 0 || value > max)
            throw new DataException($"{Source}, line {lineNumber}: {what} is '{text}', expected an integer 0..{max}");
        return value;
    }
}
