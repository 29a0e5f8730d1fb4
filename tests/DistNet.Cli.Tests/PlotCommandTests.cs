namespace DistNet.Cli.Tests;

public class PlotCommandTests
{
    private static string Line(int epoch, double loss, double accuracy) =>
        $$"""{"epoch":{{epoch}},"loss":{{loss}},"penalty":0,"trainAccuracy":{{accuracy}},"validationLoss":{{loss * 1.1}},"validationAccuracy":{{accuracy - 0.02}},"samplesPerSecond":1000,"elapsedSeconds":{{epoch * 0.1}}}""";

    private static string Metrics(TempDir dir, string name, int epochs) =>
        dir.Write(name, string.Join("\n", Enumerable.Range(1, epochs).Select(e => Line(e, 2.0 / e, 1 - 0.5 / e))) + "\n");

    [Fact]
    public void A_file_with_one_run_renders()
    {
        using var dir = new TempDir();
        var run = CliRunner.Run("plot", Metrics(dir, "a.jsonl", 10), "--out", dir.File("a.png"));
        Assert.True(run.ExitCode == 0, run.Error);
        var image = Png.Read(dir.File("a.png"));
        Assert.Equal((1100, 450), (image.Width, image.Height));
        Assert.True(image.GreyVariance > 100, $"grey variance {image.GreyVariance}");
        Assert.Contains("1 run (a: 10 epochs)", run.Output);
    }

    [Fact]
    public void Several_runs_render_overlaid_with_their_labels()
    {
        using var dir = new TempDir();
        var run = CliRunner.Run("plot", Metrics(dir, "a.jsonl", 5), Metrics(dir, "b.jsonl", 8), Metrics(dir, "c.jsonl", 1),
            "--labels", "sgd,adam,one epoch", "--title", "digits", "--size", "900x400", "--out", dir.File("many.png"));
        Assert.True(run.ExitCode == 0, run.Error);
        var image = Png.Read(dir.File("many.png"));
        Assert.Equal((900, 400), (image.Width, image.Height));
        Assert.True(image.GreyVariance > 100);
        Assert.Contains("3 runs (sgd: 5 epochs, adam: 8 epochs, one epoch: 1 epochs)", run.Output);
    }

    [Fact]
    public void Train_plot_writes_the_learning_curves_at_the_end()
    {
        using var dir = new TempDir();
        var run = CliRunner.Run("train", "--hidden", "8", "--epochs", "3", "--plot", dir.File("curves.png"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("learning curves written to", run.Output);
        Assert.True(Png.Read(dir.File("curves.png")).GreyVariance > 100);
        Assert.Equal(2, CliRunner.Run("train", "--epochs", "1", "--plot", dir.File("curves.pdf")).ExitCode);
    }

    [Fact]
    public void A_malformed_line_is_one_error_line_with_its_number_and_exit_code_2()
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.jsonl", Line(1, 2, 0.5) + "\n" + Line(2, 1, 0.7) + "\n" + """{"epoch":3,"loss":oops}""" + "\n");
        var run = CliRunner.Run("plot", path, "--out", dir.File("bad.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains("bad.jsonl line 3: not valid JSON", run.Error);
        Assert.False(File.Exists(dir.File("bad.png")));
    }

    [Fact]
    public void Text_does_not_depend_on_the_fonts_of_the_machine()
    {
        // Without system fonts ScottPlot would drop every text silently. Hide them from a child
        // process (a private mount namespace: needs root, as on CI) and compare its picture with
        // one drawn here, with the fonts present: the embedded font makes them identical.
        if (!Succeeds("unshare", "-m", "true")) return; // no mount namespaces here (not root): nothing to compare
        using var dir = new TempDir();
        var metrics = Metrics(dir, "a.jsonl", 6);
        Assert.Equal(0, CliRunner.Run("plot", metrics, "--out", dir.File("here.png")).ExitCode);
        Directory.CreateDirectory(dir.File("empty"));
        string distnet = typeof(CliApp).Assembly.Location;
        string script = $"mount --bind '{dir.File("empty")}' /usr/share/fonts && exec dotnet '{distnet}' plot '{metrics}' --out '{dir.File("bare.png")}'";
        Assert.True(Succeeds("unshare", "-m", "sh", "-c", script), "distnet plot failed without system fonts");
        Assert.Equal(File.ReadAllBytes(dir.File("here.png")), File.ReadAllBytes(dir.File("bare.png")));
    }

    private static bool Succeeds(string program, params string[] args)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(60_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program
        }
    }

    [Theory]
    [InlineData("--labels", "one,two", "2 labels for 1 metrics file")]
    [InlineData("--size", "big", "is not WIDTHxHEIGHT")]
    [InlineData("--out", "curves.svg", "must be a .png file")]
    public void Bad_options_are_one_line_and_exit_code_2(string option, string value, string message)
    {
        using var dir = new TempDir();
        string[] args = ["plot", Metrics(dir, "a.jsonl", 2), option, value, .. option == "--out" ? [] : new[] { "--out", dir.File("a.png") }];
        var run = CliRunner.Run(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(message, run.Error);
    }
}

/// <summary>A PNG read back: its size and how much its pixels vary (0 for a blank image).</summary>
public sealed record Png(int Width, int Height, double GreyVariance)
{
    public static Png Read(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        using var image = new ScottPlot.Image(File.ReadAllBytes(path));
        var rgb = image.GetArrayRGB();
        int height = rgb.GetLength(0), width = rgb.GetLength(1);
        double sum = 0, squares = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double grey = (rgb[y, x, 0] + rgb[y, x, 1] + rgb[y, x, 2]) / 3.0;
                sum += grey;
                squares += grey * grey;
            }
        double n = (double)width * height;
        return new Png(width, height, squares / n - (sum / n) * (sum / n));
    }
}
