using System.CommandLine;
using System.Globalization;
using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Nn;

namespace DistNet.Cli.Commands;

public static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var model = CommonOptions.Model();
        var input = new Option<string>("--input") { Description = "CSV file with a header row and one sample of features per row", Required = true };
        var command = new Command("predict", "Predict each row of a CSV file: the class and its probabilities (or the regression outputs), as CSV")
        {
            model, input,
        };
        command.SetAction(parse =>
        {
            var saved = ModelFile.Load(parse.GetValue(model)!);
            var architecture = saved.Network.Architecture;
            string path = parse.GetValue(input)!;
            var (features, featureCount) = CsvFeatureRows.Load(path);
            if (featureCount != architecture.InputSize)
                throw new DataException($"{path}: {featureCount} feature columns, but the model takes {architecture.InputSize}");
            var transform = saved.InputTransform;
            if (transform is not null)
                for (int i = 0; i < features.Length; i += featureCount) transform.ApplyInPlace(features.AsSpan(i, featureCount));

            int rows = features.Length / featureCount, outputs = architecture.OutputSize;
            var scores = new Backprop(architecture).Forward(saved.Network.Parameters, features, rows).ToArray();
            var classes = saved.Classes;
            output.WriteLine(classes is null
                ? "row," + string.Join(",", Enumerable.Range(0, outputs).Select(j => $"output{j}"))
                : "row,class," + string.Join(",", ProbabilityColumns(classes, outputs)));
            var values = new float[outputs];
            for (int n = 0; n < rows; n++)
            {
                var s = scores.AsSpan(n * outputs, outputs);
                Losses.ToOutputs(architecture.Loss, s, values);
                var cells = values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture));
                output.WriteLine(classes is null
                    ? $"{n + 1},{string.Join(",", cells)}"
                    : $"{n + 1},{classes[Losses.PredictClass(architecture.Loss, s)]},{string.Join(",", cells)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A single bce unit outputs the probability of the second class only.</summary>
    private static IEnumerable<string> ProbabilityColumns(string[] classes, int outputs) =>
        outputs == 1 ? [$"p({classes[^1]})"] : classes.Select(c => $"p({c})");
}
