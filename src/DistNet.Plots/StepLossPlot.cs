using DistNet.Core.IO;
using ScottPlot;

namespace DistNet.Plots;

/// <summary>
/// Training loss against global step for several runs on one set of axes (for a fault-injection
/// experiment: the fault-free baseline and the faulty run), each run in its own colour, with a
/// dashed vertical marker at every step where something happened (a fault fired). Where the
/// faulty run lost or redid work its curve is shifted or broken against the baseline's; where
/// recovery was exact the two curves lie on top of each other.
/// </summary>
public static class StepLossPlot
{
    public const int DefaultWidth = 1000, DefaultHeight = 500;
    public const string XAxisLabel = "step";
    public const string YAxisLabel = "training loss (running epoch mean)";

    /// <summary>The colour of the markers, red: kept out of the runs' palette so a marker is never mistaken for a run.</summary>
    internal static readonly Color MarkerColor = Color.FromHex("#d62728");

    /// <summary>
    /// The colour of run <paramref name="index"/>: Category10 (blue, orange, green, …) without
    /// its red, which the markers use.
    /// </summary>
    internal static Color RunColor(int index)
    {
        var palette = new ScottPlot.Palettes.Category10();
        int slot = index % 9;
        return palette.GetColor(slot >= 3 ? slot + 1 : slot);
    }

    /// <summary>
    /// Writes the PNG at <paramref name="path"/> (atomically: a reader never sees half a picture).
    /// Points that are not finite are left out; a run with none draws nothing but is no error.
    /// </summary>
    public static void Save(string path,
        IReadOnlyList<(string Name, IReadOnlyList<(double Step, double Loss)> Points)> runs,
        IReadOnlyList<(double Step, string Label)> markers,
        string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        PngFile.Prepare(path);
        var png = Render(runs, markers, title, width, height);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The PNG bytes <see cref="Save"/> writes.</summary>
    public static byte[] Render(
        IReadOnlyList<(string Name, IReadOnlyList<(double Step, double Loss)> Points)> runs,
        IReadOnlyList<(double Step, string Label)> markers,
        string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(markers);
        if (runs.Count == 0) throw new ArgumentException("no runs to draw", nameof(runs));
        if (width < 200 || height < 150) throw new ArgumentOutOfRangeException(nameof(width), "the picture needs at least 200×150 pixels");
        PlotFont.Register();
        using var plot = new Plot();
        // Earlier runs are drawn wider, under the later ones: where a faulty run retraces the
        // baseline exactly, the baseline shows as a border around it instead of vanishing.
        for (int r = 0; r < runs.Count; r++)
            AddRun(plot, runs[r].Name, runs[r].Points ?? [], RunColor(r), 2 + 2 * Math.Min(runs.Count - 1 - r, 2));

        bool first = true;
        foreach (var (step, label) in markers)
        {
            if (!double.IsFinite(step)) continue;
            var line = plot.Add.VerticalLine(step, 2, MarkerColor, LinePattern.Dashed);
            // The label sits above the data area, out of the curves' way.
            line.Text = label ?? "";
            line.LabelOppositeAxis = true;
            line.LabelFontSize = 11;
            line.LabelBold = false;
            // One legend entry says what the red dashes are.
            if (first) line.LegendText = "fault";
            first = false;
        }
        // Room for the marker labels above the data area, with or without markers, so that the
        // data area is the same whether or not anything happened.
        plot.Axes.Top.MinimumSize = 22;

        plot.Title(title, size: 16);
        plot.XLabel(XAxisLabel, size: 13);
        plot.YLabel(YAxisLabel, size: 13);
        plot.ShowLegend(Alignment.UpperRight).FontSize = 12;
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void AddRun(Plot plot, string name, IReadOnlyList<(double Step, double Loss)> points, Color color, float width)
    {
        var xs = new List<double>(points.Count);
        var ys = new List<double>(points.Count);
        foreach (var (step, loss) in points)
            if (double.IsFinite(step) && double.IsFinite(loss)) { xs.Add(step); ys.Add(loss); }
        if (xs.Count == 0) return;
        var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        line.LineWidth = width;
        // Markers only when there are few steps: a one-step run is then a dot, not nothing.
        line.MarkerSize = xs.Count <= 20 ? 5 : 0;
        line.LegendText = name;
    }
}
