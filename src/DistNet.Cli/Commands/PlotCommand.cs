using System.CommandLine;
using DistNet.Plots;

namespace DistNet.Cli.Commands;

/// <summary>
/// `distnet plot`: learning curves from the JSON Lines that `train --metrics-out` writes, one
/// or several runs overlaid, training solid and validation dashed.
/// </summary>
public static class PlotCommand
{
    public static Command Create(TextWriter output)
    {
        var files = new Argument<string[]>("metrics")
        {
            Description = "Metrics files (JSON Lines from train --metrics-out), one run each",
            Arity = ArgumentArity.OneOrMore,
        };
        var imageOut = CommonOptions.ImageOut();
        var labels = CommonOptions.Labels();
        var title = CommonOptions.Title();
        var size = CommonOptions.ImageSize();
        var command = new Command("plot", "Draw loss and accuracy against epoch (train and validation) for one or more runs into a PNG")
        {
            files, imageOut, labels, title, size,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(imageOut)!;
            CommonOptions.RequirePng(path, "--out");
            var (width, height) = CommonOptions.ParseImageSize(parse.GetValue(size)!);
            var paths = parse.GetValue(files)!;
            string[]? names = parse.GetValue(labels)?.Split(',', StringSplitOptions.TrimEntries);
            CommonOptions.Require(names is null || names.Length == paths.Length,
                $"--labels: {names?.Length} labels for {paths.Length} metrics file{(paths.Length == 1 ? "" : "s")}; give one per file");
            var runs = paths.Select((p, i) => MetricsLog.Read(p, names?[i])).ToArray();
            LearningCurvePlot.Save(runs, path, width, height, parse.GetValue(title));
            output.WriteLine($"{path} written: {width}x{height} pixels, {runs.Length} run{(runs.Length == 1 ? "" : "s")} " +
                $"({string.Join(", ", runs.Select(r => $"{r.Label}: {r.Epochs.Count} epochs"))})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
