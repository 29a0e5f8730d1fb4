using System.Globalization;
using System.Text.Json;

namespace DistNet.Cli.Tests;

public class BoundaryCommandTests
{
    [Fact]
    public void Circles_need_a_hidden_layer_and_the_picture_shows_every_candidate()
    {
        using var dir = new TempDir();
        var png = dir.File("boundary.png");
        var table = dir.File("boundary.json");
        // The README's command, with smaller panels.
        var run = CliRunner.Run("boundary", "--data", "circles", "--hidden", "0,1,2,3", "--activation", "tanh", "--epochs", "300",
            "--workers", "2", "--panel-size", "200", "--out", png, "--table-out", table);
        Assert.True(run.ExitCode == 0, run.Error);

        // Figures from the run, not from the picture: the table, in candidate order.
        var rows = JsonDocument.Parse(File.ReadAllText(table)).RootElement.GetProperty("candidates").EnumerateArray().ToArray();
        Assert.Equal(["", "1", "2", "3"], rows.Select(r => string.Join(",", r.GetProperty("hidden").EnumerateArray().Select(h => h.GetInt32()))));
        double perceptron = rows[0].GetProperty("trainAccuracy").GetDouble(), three = rows[3].GetProperty("trainAccuracy").GetDouble();
        Assert.True(perceptron < 0.75, $"the perceptron reached {perceptron}");
        Assert.True(three >= 0.95, $"hidden 3 reached only {three}");
        // Each panel's title carries the figure of the run.
        Assert.Contains($"  perceptron — accuracy {perceptron.ToString("F3", CultureInfo.InvariantCulture)}\n", run.Output);
        Assert.Contains($"  hidden 3 — accuracy {three.ToString("F3", CultureInfo.InvariantCulture)}\n", run.Output);

        var image = Png.Read(png);
        Assert.Equal((4 * 200, 200), (image.Width, image.Height));
        Assert.True(image.GreyVariance > 200, $"grey variance {image.GreyVariance}: the picture looks blank");
        Assert.Contains($"{png} written: 800x200 pixels, 4 panels", run.Output);
    }

    [Theory]
    [InlineData("digits", "has 64 features, expected 2")]
    [InlineData("spirals:x", "unknown data set")]
    public void Data_that_is_not_a_labelled_plane_is_refused_in_one_line(string data, string message)
    {
        using var dir = new TempDir();
        var run = CliRunner.Run("boundary", "--data", data, "--epochs", "1", "--out", dir.File("b.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(message, run.Error);
        Assert.False(File.Exists(dir.File("b.png")));
    }

    [Fact]
    public void A_two_column_csv_is_a_plane_too()
    {
        using var dir = new TempDir();
        var rows = Enumerable.Range(0, 60).Select(i => $"{(i % 10) / 10.0:F1},{(i / 10) / 6.0:F3},{(i % 10 < 5 ? "left" : "right")}");
        var csv = dir.Write("plane.csv", "x,y,side\n" + string.Join("\n", rows) + "\n");
        var run = CliRunner.Run("boundary", "--data", "csv:" + csv, "--hidden", "0", "--epochs", "50", "--panel-size", "150", "--out", dir.File("p.png"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal((150, 150), (Png.Read(dir.File("p.png")).Width, Png.Read(dir.File("p.png")).Height));
    }

    [Fact]
    public void The_output_must_be_a_png()
    {
        var run = CliRunner.Run("boundary", "--out", "b.jpg");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("must be a .png file", run.Error);
    }
}
