using DistNet.Core.Training;
using ScottPlot;

namespace DistNet.Plots;

/// <summary>
/// Learning curves: loss against epoch and, when the runs have them, accuracy against epoch,
/// side by side. Each run has its own colour; training is drawn solid, validation dashed, so
/// that over-fitting shows as the dashed line turning away from the solid one.
/// </summary>
public static class LearningCurvePlot
{
    public const int DefaultWidth = 1100, DefaultHeight = 450;

    public static void Save(IReadOnlyList<RunCurves> runs, string path, int width = DefaultWidth, int height = DefaultHeight, string? title = null)
    {
        if (runs.Count == 0) throw new ArgumentException("no runs to draw", nameof(runs));
        if (width < 200 || height < 150) throw new ArgumentOutOfRangeException(nameof(width), "the picture needs at least 200×150 pixels");
        PlotFont.Register();
        var multiplot = new Multiplot();
        // A new multiplot holds one empty plot; the loss panel takes its place.
        multiplot.Reset(Panel(runs, title, "loss", r => r.Loss, r => r.ValidationLoss, Alignment.UpperRight));
        // Regression runs have no accuracy; then the loss panel is the whole picture.
        if (runs.Any(run => run.Epochs.Any(e => e.TrainAccuracy is not null || e.ValidationAccuracy is not null)))
            multiplot.AddPlot(Panel(runs, title, "accuracy", r => r.TrainAccuracy, r => r.ValidationAccuracy, Alignment.LowerRight));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        PngFile.Prepare(path);
        multiplot.SavePng(path, width, height);
    }

    private static Plot Panel(IReadOnlyList<RunCurves> runs, string? title, string quantity,
        Func<EpochReport, double?> train, Func<EpochReport, double?> validation, Alignment legend)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int r = 0; r < runs.Count; r++)
        {
            var color = palette.GetColor(r);
            // With one run the legend only needs to tell training from validation.
            string prefix = runs.Count == 1 ? "" : runs[r].Label + " ";
            AddLine(plot, runs[r].Epochs, train, color, LinePattern.Solid, prefix + "train");
            AddLine(plot, runs[r].Epochs, validation, color, LinePattern.Dashed, prefix + "validation");
        }
        plot.Title(title is null ? quantity : $"{title}: {quantity}", size: 16);
        plot.XLabel("epoch", size: 13);
        plot.YLabel(quantity, size: 13);
        plot.ShowLegend(legend).FontSize = 12;
        return plot;
    }

    private static void AddLine(Plot plot, IReadOnlyList<EpochReport> epochs, Func<EpochReport, double?> value,
        Color color, LinePattern pattern, string label)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var e in epochs)
            if (value(e) is { } v && double.IsFinite(v)) { xs.Add(e.Epoch); ys.Add(v); }
        if (xs.Count == 0) return;
        var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        line.LinePattern = pattern;
        line.LineWidth = 2;
        // Markers only when there are few epochs: a one-epoch run is then a dot, not nothing.
        line.MarkerSize = xs.Count <= 20 ? 5 : 0;
        line.LegendText = label;
    }
}
