using ScottPlot;

namespace DistNet.Plots.Tests;

public class StepLossPlotTests
{
    private const int Width = 800, Height = 400;

    /// <summary>A decaying loss with a sawtooth every 40 steps, as a running epoch mean looks.</summary>
    private static IReadOnlyList<(double Step, double Loss)> Curve(int steps, double scale) =>
        Enumerable.Range(1, steps).Select(s => ((double)s, scale * (1.0 / (1 + 0.02 * s) + 0.1 * ((s - 1) % 40) / 40.0))).ToList();

    private static PngPixels Draw(TempDir dir, string name,
        IReadOnlyList<(string Name, IReadOnlyList<(double Step, double Loss)> Points)> runs,
        IReadOnlyList<(double Step, string Label)> markers)
    {
        var path = dir.File(name);
        StepLossPlot.Save(path, runs, markers, "loss against step", Width, Height);
        return PngPixels.Read(path);
    }

    private static bool Near((byte R, byte G, byte B) p, Color c, int tolerance = 24) =>
        Math.Abs(p.R - c.R) <= tolerance && Math.Abs(p.G - c.G) <= tolerance && Math.Abs(p.B - c.B) <= tolerance;

    private static int Count(PngPixels png, Color c)
    {
        int n = 0;
        for (int y = 0; y < png.Height; y++)
            for (int x = 0; x < png.Width; x++)
                if (Near(png.At(x, y), c)) n++;
        return n;
    }

    /// <summary>Pixels of colour <paramref name="c"/> in each column.</summary>
    private static int[] Columns(PngPixels png, Color c)
    {
        var counts = new int[png.Width];
        for (int x = 0; x < png.Width; x++)
            for (int y = 0; y < png.Height; y++)
                if (Near(png.At(x, y), c)) counts[x]++;
        return counts;
    }

    private static int ArgMax(int[] values) => Array.IndexOf(values, values.Max());

    [Fact]
    public void The_file_is_a_png_of_the_requested_size_with_something_drawn()
    {
        using var dir = new TempDir();
        var png = Draw(dir, "loss.png", [("baseline", Curve(200, 1))], []);
        Assert.Equal((Width, Height), (png.Width, png.Height));
        Assert.True(png.GreyVariance() > 100, $"grey variance {png.GreyVariance()}: the image looks blank");
    }

    [Fact]
    public void Two_runs_are_drawn_in_two_different_colours()
    {
        using var dir = new TempDir();
        Color first = StepLossPlot.RunColor(0), second = StepLossPlot.RunColor(1);
        Assert.NotEqual(first, second);

        var one = Draw(dir, "one.png", [("baseline", Curve(200, 1))], []);
        var two = Draw(dir, "two.png", [("baseline", Curve(200, 1)), ("faulty", Curve(200, 1.3))], []);

        // A line two pixels wide over most of the 800-pixel width: hundreds of pixels of each colour.
        Assert.True(Count(one, first) > 300, $"the first run's colour covers {Count(one, first)} pixels");
        Assert.True(Count(one, second) < 20, $"one run, yet {Count(one, second)} pixels of the second colour");
        Assert.True(Count(two, first) > 300, $"the first run's colour covers {Count(two, first)} pixels");
        Assert.True(Count(two, second) > 300, $"the second run's colour covers {Count(two, second)} pixels");
    }

    [Fact]
    public void A_marker_adds_a_vertical_line_at_its_step()
    {
        using var dir = new TempDir();
        var runs = new List<(string, IReadOnlyList<(double, double)>)> { ("baseline", Curve(200, 1)), ("faulty", Curve(200, 1.3)) };
        var without = Draw(dir, "without.png", runs, []);
        var early = Draw(dir, "early.png", runs, [(50, "fault 1")]);
        var late = Draw(dir, "late.png", runs, [(150, "fault 1")]);

        var plain = Columns(without, StepLossPlot.MarkerColor);
        var a = Columns(early, StepLossPlot.MarkerColor);
        var b = Columns(late, StepLossPlot.MarkerColor);
        // Without a marker no column holds more than a few marker-coloured pixels; with one, a
        // column holds a dashed line over the data area's height (about half of it coloured).
        Assert.True(plain.Max() < 10, $"no marker, yet a column with {plain.Max()} marker-coloured pixels");
        Assert.True(a.Max() > Height / 5, $"the tallest marker-coloured column has {a.Max()} pixels");
        Assert.True(b.Max() > Height / 5, $"the tallest marker-coloured column has {b.Max()} pixels");

        // The line stands where its step is: step 50 at about a quarter of the data area, step 150 at three quarters.
        int x50 = ArgMax(a), x150 = ArgMax(b);
        Assert.True(x50 < Width / 2 && x150 > Width / 2, $"marker at step 50 drawn at x={x50}, at step 150 at x={x150}");
        Assert.InRange(x150 - x50, Width / 4, Width * 3 / 4);

        // Away from the marker and its label the curves and axes are drawn exactly as without it.
        int identical = 0, compared = 0;
        for (int x = 0; x < Width; x++)
        {
            if (Math.Abs(x - x50) < 60 || x > Width * 3 / 4) continue;
            for (int y = 40; y < Height; y++, compared++)
                if (early.At(x, y) == without.At(x, y)) identical++;
        }
        Assert.True(identical > compared * 0.99, $"{compared - identical} of {compared} pixels away from the marker changed");
    }

    [Fact]
    public void Runs_without_finite_points_and_markers_outside_the_runs_still_render()
    {
        using var dir = new TempDir();
        var png = Draw(dir, "odd.png",
            [("empty", []), ("nan", [(1, double.NaN), (2, double.PositiveInfinity)]), ("one step", [(1, 0.7)])],
            [(double.NaN, "ignored"), (3, "after the end")]);
        Assert.Equal((Width, Height), (png.Width, png.Height));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => StepLossPlot.Save(dir.File("loss.svg"), [("a", Curve(5, 1))], [], "t"));
        Assert.Throws<ArgumentException>(() => StepLossPlot.Save(dir.File("none.png"), [], [], "t"));
        Assert.False(File.Exists(dir.File("none.png")));
    }
}
