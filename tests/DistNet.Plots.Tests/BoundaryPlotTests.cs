namespace DistNet.Plots.Tests;

public class BoundaryPlotTests
{
    [Fact]
    public void Panels_are_laid_out_in_rows_of_at_most_four()
    {
        Assert.Equal((4 * 300, 300), BoundaryPlot.ImageSize(4, 300));
        Assert.Equal((4 * 300, 2 * 300), BoundaryPlot.ImageSize(6, 300));
        Assert.Equal((300, 300), BoundaryPlot.ImageSize(1, 300));
    }

    [Fact]
    public void Regions_are_drawn_where_the_model_puts_them()
    {
        using var dir = new TempDir();
        var path = dir.File("regions.png");
        // Left panel: class 1 to the right (x > 0); right panel: class 1 above (y > 0).
        var size = BoundaryPlot.Save(
        [
            new BoundaryPanel("right", Planes.HalfPlane(1, 0), Planes.Lattice(1, 0)),
            new BoundaryPanel("up", Planes.HalfPlane(0, 1), Planes.Lattice(0, 1)),
        ], path, panelSize: 300);

        var png = PngPixels.Read(path);
        Assert.Equal((600, 300), size);
        Assert.Equal((600, 300), (png.Width, png.Height));
        Assert.True(png.GreyVariance() > 200, $"grey variance {png.GreyVariance()}: the image looks blank");
        // Sample the regions between lattice points (the data area spans most of each panel).
        Assert.True(IsClass1(png.At(225, 165)) && IsClass0(png.At(110, 165)), "left panel: x > 0 should be class 1's colour");
        Assert.True(IsClass1(png.At(460, 95)) && IsClass0(png.At(460, 215)), "right panel: y > 0 should be class 1's colour");
    }

    // Class 0 is tinted blue, class 1 orange (Category10).
    private static bool IsClass0((byte R, byte G, byte B) p) => p.B > p.R + 20;
    private static bool IsClass1((byte R, byte G, byte B) p) => p.R > p.B + 20;
}
