using System.CommandLine;
using DistNet.Training.Hosting;

namespace DistNet.Cli.Commands;

public static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var options = new TrainingOptions();
        var workers = CommonOptions.Workers();
        var command = new Command("train", "Train a multilayer perceptron with worker actors in this process and report its test accuracy");
        foreach (var option in options.All) command.Add(option);
        command.Add(workers);
        command.SetAction(parse =>
        {
            var request = options.Bind(parse, parse.GetValue(workers));
            var d = request.Distributed;
            return TrainingRun.Execute(request, output, $"{d.Workers} worker{(d.Workers == 1 ? "" : "s")} in process",
                observer => LocalTraining.Run(request.Start.Network, request.Prepared.Train, request.Prepared.Validation,
                    request.Trainer, d, observer));
        });
        return command;
    }
}
