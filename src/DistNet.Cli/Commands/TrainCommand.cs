using System.CommandLine;
using DistNet.Plots;
using DistNet.Training.Hosting;

namespace DistNet.Cli.Commands;

public static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var options = new TrainingOptions();
        var workers = CommonOptions.Workers();
        var plot = CommonOptions.Plot();
        var command = new Command("train", "Train a multilayer perceptron with worker actors in this process and report its test accuracy");
        foreach (var option in options.All) command.Add(option);
        command.Add(workers);
        command.Add(plot);
        command.SetAction(parse =>
        {
            CommonOptions.RequirePng(parse.GetValue(plot), "--plot");
            var request = options.Bind(parse, parse.GetValue(workers));
            var d = request.Distributed;
            DistributedResult? result = null;
            int code = TrainingRun.Execute(request, output, $"{d.Workers} worker{(d.Workers == 1 ? "" : "s")} in process",
                (observer, telemetry, injector) => result = LocalTraining.Run(request.Start.Network, request.Prepared.Train, request.Prepared.Validation,
                    request.Trainer, d, observer, telemetry: telemetry, injector: injector, checkpoints: request.Checkpoints));
            if (parse.GetValue(plot) is { } plotPath && result is not null)
            {
                var architecture = request.Start.Network.Architecture.ToString().Split(' ')[0];
                LearningCurvePlot.Save([new RunCurves("train", result.History)], plotPath, title: $"{request.DataSpec} {architecture}");
                output.WriteLine($"learning curves written to {plotPath}");
            }
            return code;
        });
        return command;
    }
}
