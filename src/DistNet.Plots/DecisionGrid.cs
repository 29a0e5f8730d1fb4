using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Nn;

namespace DistNet.Plots;

/// <summary>A rectangle of the input plane: what a decision-region panel shows.</summary>
public sealed record PlaneExtent(double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>
    /// A square around every point, with a margin: square so that circles look round, and the
    /// same for every panel drawn from the same points, so that panels compare at a glance.
    /// </summary>
    public static PlaneExtent Around(IEnumerable<Dataset> sets, double margin = 0.15)
    {
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity, yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var points in sets)
        {
            if (points.FeatureCount != 2) throw new ArgumentException($"{points.Name} has {points.FeatureCount} features; a plane needs 2", nameof(sets));
            for (int i = 0; i < points.Count; i++)
            {
                var p = points.Sample(i);
                (xMin, xMax, yMin, yMax) = (Math.Min(xMin, p[0]), Math.Max(xMax, p[0]), Math.Min(yMin, p[1]), Math.Max(yMax, p[1]));
            }
        }
        if (double.IsInfinity(xMin)) throw new ArgumentException("no points to frame", nameof(sets));
        double half = Math.Max(Math.Max(xMax - xMin, yMax - yMin), 1e-6) * (0.5 + margin);
        double cx = (xMin + xMax) / 2, cy = (yMin + yMax) / 2;
        return new PlaneExtent(cx - half, cx + half, cy - half, cy + half);
    }
}

/// <summary>
/// The class a model predicts at the centre of each cell of a grid over the plane, and how sure
/// it is there. Row 0 is the top row (largest y), as in an image.
/// </summary>
public sealed class DecisionGrid
{
    private DecisionGrid(PlaneExtent extent, int columns, int rows, int[] classes, float[] confidence) =>
        (Extent, Columns, Rows, Classes, Confidence) = (extent, columns, rows, classes, confidence);

    public PlaneExtent Extent { get; }
    public int Columns { get; }
    public int Rows { get; }

    /// <summary>Predicted class per cell, row after row.</summary>
    public int[] Classes { get; }

    /// <summary>
    /// Per cell, 0 where the model is undecided (its probability of the predicted class is 1/k
    /// for k classes) to 1 where it is certain; 1 everywhere for losses without probabilities.
    /// </summary>
    public float[] Confidence { get; }

    public int ClassAt(int row, int column) => Classes[row * Columns + column];

    /// <summary>The plane point at the centre of a cell.</summary>
    public (double X, double Y) Centre(int row, int column) =>
        (Extent.XMin + (column + 0.5) * (Extent.XMax - Extent.XMin) / Columns,
         Extent.YMax - (row + 0.5) * (Extent.YMax - Extent.YMin) / Rows);

    /// <summary>
    /// Runs the model over every cell centre, one grid row per forward pass (so memory stays
    /// small for a wide model), through the model's own input transform as training saw it.
    /// </summary>
    public static DecisionGrid Compute(Model model, PlaneExtent extent, int columns, int rows)
    {
        var architecture = model.Network.Architecture;
        if (architecture.InputSize != 2) throw new ArgumentException($"the model takes {architecture.InputSize} inputs; a plane has 2", nameof(model));
        if (model.Classes is null) throw new ArgumentException("decision regions need a classifier, not a regression model", nameof(model));
        var loss = architecture.Loss;
        int outputs = architecture.OutputSize, classCount = model.Classes.Length;
        var pass = new Backprop(architecture);
        var inputs = new float[2 * columns];
        var probabilities = new float[outputs];
        var classes = new int[columns * rows];
        var confidence = new float[columns * rows];
        var grid = new DecisionGrid(extent, columns, rows, classes, confidence);
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                var (x, y) = grid.Centre(row, column);
                var sample = inputs.AsSpan(2 * column, 2);
                (sample[0], sample[1]) = ((float)x, (float)y);
                model.InputTransform?.ApplyInPlace(sample);
            }
            var scores = pass.Forward(model.Network.Parameters, inputs, columns);
            for (int column = 0; column < columns; column++)
            {
                var s = scores.Slice(column * outputs, outputs);
                int cell = row * columns + column;
                classes[cell] = Losses.PredictClass(loss, s);
                confidence[cell] = Certainty(loss, s, classes[cell], classCount, probabilities);
            }
        }
        return grid;
    }

    private static float Certainty(Loss loss, ReadOnlySpan<float> scores, int predicted, int classCount, float[] buffer)
    {
        if (loss is not (Loss.SoftmaxCrossEntropy or Loss.Bce)) return 1f;
        Losses.ToOutputs(loss, scores, buffer);
        // One sigmoid output stands for two classes: p for class 1, 1 − p for class 0.
        float p = scores.Length == 1 ? (predicted == 1 ? buffer[0] : 1 - buffer[0]) : buffer[predicted];
        float chance = 1f / Math.Max(2, classCount);
        return Math.Clamp((p - chance) / (1 - chance), 0f, 1f);
    }
}
