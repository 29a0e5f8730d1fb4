using DistNet.Core.Training;

namespace DistNet.Plots.Tests;

public class LearningCurvePlotTests
{
    private static RunCurves Run(string label, int epochs, bool accuracy = true, bool validation = true) => new(label,
        Enumerable.Range(1, epochs).Select(e => new EpochReport(e, 2.0 / e, 0,
            accuracy ? 1 - 0.5 / e : null, validation ? 2.2 / e : null, accuracy && validation ? 1 - 0.6 / e : null, 1000, e)).ToList());

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 30)]
    [InlineData(3, 12)]
    public void One_or_several_runs_render(int runs, int epochs)
    {
        using var dir = new TempDir();
        var path = dir.File("curves.png");
        LearningCurvePlot.Save(Enumerable.Range(0, runs).Select(r => Run($"run {r}", epochs)).ToList(), path, 800, 360, "test");
        var png = PngPixels.Read(path);
        Assert.Equal((800, 360), (png.Width, png.Height));
        Assert.True(png.GreyVariance() > 100, $"grey variance {png.GreyVariance()}: the image looks blank");
    }

    [Fact]
    public void Regression_runs_without_accuracy_or_validation_still_render()
    {
        using var dir = new TempDir();
        var path = dir.File("regression.png");
        LearningCurvePlot.Save([Run("mse", 5, accuracy: false, validation: false)], path, 600, 400);
        Assert.Equal(600, PngPixels.Read(path).Width);
    }

    [Fact]
    public void Only_png_files_are_written()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => LearningCurvePlot.Save([Run("a", 2)], dir.File("curves.svg")));
    }
}
