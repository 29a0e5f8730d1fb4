using System.IO.Compression;
using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class DigitsDataTests
{
    [Fact]
    public void LoadsAllSamplesWithTheirShape()
    {
        var data = DigitsData.Load();
        Assert.Equal("digits", data.Name);
        Assert.Equal(1797, data.Count);
        Assert.Equal(64, data.FeatureCount);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], data.Classes!);
        Assert.True(data.IsClassification);
    }

    [Fact]
    public void MatchesTheRawCsvScaledBySixteen()
    {
        var (pixels, labels) = ReadRawResource();
        var data = DigitsData.Load();

        Assert.Equal(labels, data.Labels!);
        Assert.Equal(pixels.Length, data.Features.Length);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 16f, data.Features[i]);
        // Known facts about scikit-learn's copy: the first image is a 0 with 5 in its third pixel.
        Assert.Equal(0, data.Labels![0]);
        Assert.Equal(5 / 16f, data.Features[2]);
    }

    [Fact]
    public void PixelsSpanZeroToOneAndClassCountsAreKnown()
    {
        var data = DigitsData.Load();
        Assert.Equal(0f, data.Features.Min());
        Assert.Equal(1f, data.Features.Max());
        var counts = data.Labels!.GroupBy(l => l).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], counts);
        Assert.Equal(1797, counts.Sum());
    }

    private static (int[] Pixels, int[] Labels) ReadRawResource()
    {
        using var stream = typeof(DigitsData).Assembly.GetManifestResourceStream("DistNet.Core.Data.digits.csv.gz")!;
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress));
        var rows = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(',').Select(int.Parse).ToArray()).ToArray();
        return (rows.SelectMany(r => r[..64]).ToArray(), rows.Select(r => r[64]).ToArray());
    }
}
