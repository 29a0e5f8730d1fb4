using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class DataValidationTests
{
    [Fact]
    public void FiniteDataPasses()
    {
        var data = new Dataset("ok", 2, [0f, 1f, -3.5f, float.MaxValue], [0, 1], ["a", "b"]);
        DataValidation.RequireFinite(data, (s, j) => $"sample {s} feature {j}");
    }

    [Fact]
    public void NaNFeatureIsReportedWhereItCameFrom()
    {
        var data = new Dataset("bad", 3, [0f, 1f, 2f, 3f, 4f, float.NaN], [0, 1], ["a", "b"]);
        var e = Assert.Throws<DataException>(() => DataValidation.RequireFinite(data, (s, j) => $"file.bin, sample {s}, feature {j}"));
        Assert.Equal("file.bin, sample 1, feature 2: feature is NaN, expected a finite number", e.Message);
    }

    [Fact]
    public void InfiniteTargetIsReported()
    {
        var data = new Dataset("r", 1, [0f, 1f, 2f], [1f, float.PositiveInfinity, 3f], 1);
        var e = Assert.Throws<DataException>(() =>
            DataValidation.RequireFinite(data, (s, j) => "unused", s => $"r.csv, line {s + 2}"));
        Assert.StartsWith("r.csv, line 3: target is infinite", e.Message);
    }
}
