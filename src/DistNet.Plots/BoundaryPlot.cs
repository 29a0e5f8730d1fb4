using DistNet.Core.Data;
using DistNet.Core.Models;
using ScottPlot;

namespace DistNet.Plots;

/// <summary>One panel of a decision-region picture: a trained model and the points it learned from.</summary>
public sealed record BoundaryPanel(string Title, Model Model, Dataset Points);

/// <summary>
/// Decision regions of 2-D classifiers, one panel per model side by side: each cell of the plane
/// tinted in the colour of the class the model predicts there (paler where it is less sure),
/// with the training points on top in their true class's colour. Misclassified points are the
/// ones that sit on the other colour.
/// </summary>
public static class BoundaryPlot
{
    /// <summary>Grid cells per panel side: fine enough for a smooth boundary at any panel size DistNet draws.</summary>
    public const int Resolution = 240;

    /// <summary>Panels per row before wrapping to a new row.</summary>
    public const int MaxColumns = 4;

    public static (int Columns, int Rows) Layout(int panels) =>
        (Math.Min(panels, MaxColumns), (panels + MaxColumns - 1) / MaxColumns);

    /// <summary>The size of the PNG that <see cref="Save"/> writes for this many panels.</summary>
    public static (int Width, int Height) ImageSize(int panels, int panelSize)
    {
        var (columns, rows) = Layout(panels);
        return (columns * panelSize, rows * panelSize);
    }

    public static (int Width, int Height) Save(IReadOnlyList<BoundaryPanel> panels, string path, int panelSize = 380)
    {
        if (panels.Count == 0) throw new ArgumentException("nothing to draw", nameof(panels));
        if (panelSize < 100) throw new ArgumentOutOfRangeException(nameof(panelSize), "panels need at least 100 pixels");
        PlotFont.Register();
        // One extent for all panels (the union of their points), so that they compare directly.
        var extent = PlaneExtent.Around(panels.Select(p => p.Points));
        var multiplot = new Multiplot();
        // A new multiplot holds one empty plot; the first panel takes its place.
        multiplot.Reset(Panel(panels[0], extent, first: true));
        foreach (var panel in panels.Skip(1)) multiplot.AddPlot(Panel(panel, extent, first: false));
        var (columns, rows) = Layout(panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var (width, height) = ImageSize(panels.Count, panelSize);
        PngFile.Prepare(path);
        multiplot.SavePng(path, width, height);
        return (width, height);
    }

    private static Plot Panel(BoundaryPanel panel, PlaneExtent extent, bool first)
    {
        var plot = new Plot();
        var grid = DecisionGrid.Compute(panel.Model, extent, Resolution, Resolution);
        var regions = plot.Add.ImageRect(RegionImage(grid), new CoordinateRect(extent.XMin, extent.XMax, extent.YMin, extent.YMax));
        regions.AntiAlias = false;

        var classes = panel.Model.Classes!;
        for (int c = 0; c < classes.Length; c++)
        {
            var (xs, ys) = PointsOf(panel.Points, c);
            if (xs.Length == 0) continue;
            var points = plot.Add.ScatterPoints(xs, ys, ClassColors.Point(c));
            points.MarkerSize = 6;
            points.MarkerShape = MarkerShape.FilledCircle;
            points.MarkerLineColor = Colors.White;
            points.MarkerLineWidth = 0.8f;
            points.LegendText = $"class {classes[c]}";
        }
        plot.Axes.SetLimits(extent.XMin, extent.XMax, extent.YMin, extent.YMax);
        plot.Title(panel.Title, size: 15);
        plot.XLabel("x1", size: 12);
        plot.YLabel("x2", size: 12);
        plot.Grid.IsVisible = false;
        // One legend says which colour is which class; it would only repeat itself in every panel.
        if (first) plot.ShowLegend(Alignment.LowerRight).FontSize = 11;
        else plot.HideLegend();
        return plot;
    }

    private static ScottPlot.Image RegionImage(DecisionGrid grid)
    {
        var pixels = new byte[grid.Rows, grid.Columns, 3];
        for (int row = 0; row < grid.Rows; row++)
            for (int column = 0; column < grid.Columns; column++)
            {
                int cell = row * grid.Columns + column;
                var tint = ClassColors.Region(grid.Classes[cell], grid.Confidence[cell]);
                (pixels[row, column, 0], pixels[row, column, 1], pixels[row, column, 2]) = (tint.R, tint.G, tint.B);
            }
        return new ScottPlot.Image(pixels);
    }

    private static (double[] Xs, double[] Ys) PointsOf(Dataset data, int label)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < data.Count; i++)
        {
            if (data.Labels![i] != label) continue;
            var p = data.Sample(i);
            xs.Add(p[0]);
            ys.Add(p[1]);
        }
        return (xs.ToArray(), ys.ToArray());
    }
}
