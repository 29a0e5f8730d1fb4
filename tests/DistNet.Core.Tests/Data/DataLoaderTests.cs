using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class DataSpecTests
{
    [Theory]
    [InlineData(null, DataKind.Digits, null)]
    [InlineData("", DataKind.Digits, null)]
    [InlineData("digits", DataKind.Digits, null)]
    [InlineData(" XOR ", DataKind.Xor, null)]
    [InlineData("circles", DataKind.Circles, null)]
    [InlineData("moons", DataKind.Moons, null)]
    [InlineData("spirals", DataKind.Spirals, null)]
    [InlineData("idx:/data/Fashion", DataKind.Idx, "/data/Fashion")]
    [InlineData("CSV:My File.csv", DataKind.Csv, "My File.csv")]
    [InlineData("csv:C:\\data\\a.csv", DataKind.Csv, "C:\\data\\a.csv")]
    public void ParsesEveryKind(string? text, DataKind kind, string? path)
    {
        var spec = DataSpec.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(path, spec.Path);
    }

    [Fact]
    public void UnknownSpecListsTheChoices()
    {
        var e = Assert.Throws<DataException>(() => DataSpec.Parse("mnist"));
        Assert.Equal("unknown data set 'mnist': expected digits, idx:DIR, csv:FILE, xor, circles, moons or spirals", e.Message);
        Assert.Throws<DataException>(() => DataSpec.Parse("foo:bar"));
        Assert.Throws<DataException>(() => DataSpec.Parse("csv:"));
    }

    [Theory]
    [InlineData("digits")]
    [InlineData("idx:/tmp/x")]
    [InlineData("csv:a.csv")]
    [InlineData("spirals")]
    public void ToStringGivesTheSpecBack(string text) => Assert.Equal(text, DataSpec.Parse(text).ToString());
}

public class DataLoaderTests
{
    [Fact]
    public void DefaultsSplitDigitsSeventyTenTwenty()
    {
        var split = DataLoader.Load((string?)null);
        Assert.Equal("digits", split.Train.Name);
        Assert.Equal(359, split.Test.Count);        // round(0.2 × 1797)
        Assert.Equal(180, split.Validation.Count);  // round(0.1 × 1797)
        Assert.Equal(1258, split.Train.Count);
    }

    [Fact]
    public void SeedReproducesTheSplit()
    {
        var a = DataLoader.Load("moons", new DataOptions { Seed = 4 });
        var b = DataLoader.Load("moons", new DataOptions { Seed = 4 });
        var c = DataLoader.Load("moons", new DataOptions { Seed = 5 });
        Assert.Equal(a.Test.Features, b.Test.Features);
        Assert.NotEqual(a.Test.Features, c.Test.Features);
    }

    [Fact]
    public void SyntheticOptionsArePassedOn()
    {
        var split = DataLoader.Load("circles", new DataOptions { Samples = 100, Noise = 0, Validation = 0, Test = 0.5 });
        Assert.Equal(50, split.Train.Count);
        Assert.Empty(split.Validation.Features);
        Assert.Equal(50, split.Test.Count);
        for (int i = 0; i < split.Train.Count; i++)
        {
            var p = split.Train.Sample(i);
            Assert.Equal(split.Train.Labels![i] == 0 ? 1.0 : 0.5, Math.Sqrt(p[0] * p[0] + p[1] * p[1]), 5);
        }
    }

    [Fact]
    public void CsvLabelColumnIsPassedOn()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("c.csv", "y,a\n" + string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{i % 2},{i}")));
        var all = DataLoader.LoadAll("csv:" + path, new DataOptions { LabelColumn = "y" });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), all.Features);
        Assert.Equal(["0", "1"], all.Classes!);
    }

    [Fact]
    public void IdxKeepsItsTestSetAndLoadAllJoinsBoth()
    {
        using var dir = new TempDirectory();
        byte[][] train = Enumerable.Range(0, 10).Select(i => new[] { (byte)i, (byte)(2 * i) }).ToArray();
        byte[][] test = [[200, 201], [202, 203], [204, 205]];
        File.WriteAllBytes(dir.File(IdxData.TrainImages), IdxWriter.Images(1, 2, train));
        File.WriteAllBytes(dir.File(IdxData.TrainLabels), IdxWriter.Labels(Enumerable.Range(0, 10).Select(i => (byte)(i % 3)).ToArray()));
        File.WriteAllBytes(dir.File(IdxData.TestImages + ".gz"), IdxWriter.Gzip(IdxWriter.Images(1, 2, test)));
        File.WriteAllBytes(dir.File(IdxData.TestLabels), IdxWriter.Labels(0, 1, 2));

        var split = DataLoader.Load("idx:" + dir.Path, new DataOptions { Validation = 0.2, Test = 0.5 });
        Assert.Equal(8, split.Train.Count);
        Assert.Equal(2, split.Validation.Count);
        Assert.Equal(3, split.Test.Count); // the file's test set, whatever Test says
        Assert.Equal(200 / 255f, split.Test.Features[0]);

        var all = DataLoader.LoadAll("idx:" + dir.Path);
        Assert.Equal(13, all.Count);
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => i % 3), 0, 1, 2], all.Labels!);
        Assert.Equal(205 / 255f, all.Features[^1]);
    }

    [Fact]
    public void LoadAllKeepsEveryDigit() => Assert.Equal(1797, DataLoader.LoadAll("digits").Count);

    [Fact]
    public void BadFractionsReachTheCallerAsArgumentException() =>
        Assert.Throws<ArgumentException>(() => DataLoader.Load("xor", new DataOptions { Validation = 0.5, Test = 0.5 }));
}
