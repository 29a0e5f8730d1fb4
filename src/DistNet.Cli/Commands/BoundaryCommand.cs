using System.CommandLine;
using DistNet.Core.Training;
using DistNet.Plots;
using DistNet.Training.Sweep;

namespace DistNet.Cli.Commands;

/// <summary>
/// `distnet boundary`: what a hidden layer buys, as a picture. Trains each candidate on a 2-D
/// data set (in parallel over the worker actors, as `sweep` does) and draws its decision
/// regions over the input plane with the training points, one panel per candidate: the
/// perceptron (hidden 0) can only cut the plane with a straight line; one hidden neuron still
/// gives a straight boundary; two or three bend it.
/// </summary>
public static class BoundaryCommand
{
    public static Command Create(TextWriter output)
    {
        var options = new CandidateOptions(CommonOptions.PlaneData(), CommonOptions.HiddenCandidates("0,1,2,3"));
        var imageOut = CommonOptions.ImageOut();
        var panelSize = CommonOptions.PanelSize();
        var tableOut = CommonOptions.TableOut();
        var command = new Command("boundary", "Train each hidden-layer candidate on 2-D data and draw its decision regions " +
            "with the training points, one panel per candidate, into a PNG");
        foreach (var option in options.All) command.Add(option);
        command.Add(imageOut);
        command.Add(panelSize);
        command.Add(tableOut);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(imageOut)!;
            CommonOptions.RequirePng(path, "--out");
            CommonOptions.Require(parse.GetValue(panelSize) is >= 100 and <= 4000, "--panel-size must be between 100 and 4000 pixels");
            var tablePath = parse.GetValue(tableOut);
            SweepTable.CheckPath(tablePath);
            var run = options.Bind(parse);
            var points = run.Raw.Train;
            CommonOptions.Require(points.FeatureCount == 2,
                $"boundary draws the input plane: {run.DataSpec} has {points.FeatureCount} features, expected 2");
            CommonOptions.Require(points.IsClassification,
                $"boundary draws class regions: {run.DataSpec} has real-valued targets, expected class labels");

            var result = run.Execute(output);
            SweepTable.Print(output, result, run, trainAccuracy: true);
            if (tablePath is not null)
            {
                SweepTable.Write(tablePath, result, run);
                output.WriteLine($"table written to {tablePath}");
            }
            if (result.Candidates.FirstOrDefault(c => !c.Succeeded) is { } failed)
                throw new TrainingDivergedException($"candidate {failed.Index + 1} (hidden {CommonOptions.FormatHidden(failed.Hidden)}) " +
                    $"could not be trained: {failed.Failure}");

            // The models drawn are the candidates as trained; the points are the training split as
            // loaded, and each model applies its own input transform (--standardize) to the plane.
            var panels = result.Candidates.Select(c => new BoundaryPanel(Title(c), run.ModelOf(c), points)).ToArray();
            var (width, height) = BoundaryPlot.Save(panels, path, parse.GetValue(panelSize));
            output.WriteLine($"{path} written: {width}x{height} pixels, {panels.Length} panel{(panels.Length == 1 ? "" : "s")}, " +
                $"each titled with its accuracy on the {points.Count} training points shown:");
            foreach (var panel in panels) output.WriteLine($"  {panel.Title}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Title(CandidateTrained candidate) =>
        (candidate.Hidden.Length == 0 ? "perceptron" : $"hidden {CommonOptions.FormatHidden(candidate.Hidden)}") +
        $" — accuracy {candidate.Train.Accuracy:F3}";
}
