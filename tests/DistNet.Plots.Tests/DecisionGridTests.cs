using DistNet.Core.Data;

namespace DistNet.Plots.Tests;

public class DecisionGridTests
{
    private static readonly PlaneExtent Square = new(-1, 1, -1, 1);

    [Fact]
    public void Columns_run_left_to_right_and_rows_top_to_bottom()
    {
        var right = DecisionGrid.Compute(Planes.HalfPlane(1, 0), Square, 10, 10);
        Assert.Equal(0, right.ClassAt(5, 0));
        Assert.Equal(1, right.ClassAt(5, 9));
        var up = DecisionGrid.Compute(Planes.HalfPlane(0, 1), Square, 10, 10);
        Assert.Equal(1, up.ClassAt(0, 5));   // row 0 is the top: large y
        Assert.Equal(0, up.ClassAt(9, 5));
        Assert.Equal((-0.9, 0.9), up.Centre(0, 0), new ToleranceComparer());
    }

    [Fact]
    public void Confidence_fades_towards_the_boundary()
    {
        var grid = DecisionGrid.Compute(Planes.HalfPlane(1, 0), Square, 20, 1);
        Assert.True(grid.Confidence[9] < 0.3, $"next to the boundary: {grid.Confidence[9]}");
        Assert.True(grid.Confidence[19] > 0.9, $"far from it: {grid.Confidence[19]}");
    }

    [Fact]
    public void The_model_sees_the_plane_through_its_input_transform()
    {
        // Standardisation that shifts x by +0.5 moves the boundary x = 0 to x = −0.5.
        var model = Planes.HalfPlane(1, 0) with { InputTransform = new InputTransform([-0.5f, 0f], [1f, 1f]) };
        var grid = DecisionGrid.Compute(model, Square, 8, 1);
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 1], grid.Classes);
    }

    [Fact]
    public void The_extent_is_a_square_around_every_point()
    {
        var extent = PlaneExtent.Around([Planes.Lattice(1, 0)], margin: 0);
        Assert.Equal(new PlaneExtent(-1, 1, -1, 1), extent);
        var wide = new Dataset("wide", 2, [0f, 0f, 4f, 1f], [0, 1], ["0", "1"]);
        var framed = PlaneExtent.Around([wide], margin: 0.25);
        Assert.Equal(framed.XMax - framed.XMin, framed.YMax - framed.YMin, 9);
        Assert.Equal(6, framed.XMax - framed.XMin, 9);
    }

    private sealed class ToleranceComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) a, (double, double) b) => Math.Abs(a.Item1 - b.Item1) < 1e-9 && Math.Abs(a.Item2 - b.Item2) < 1e-9;
        public int GetHashCode((double, double) obj) => 0;
    }
}
