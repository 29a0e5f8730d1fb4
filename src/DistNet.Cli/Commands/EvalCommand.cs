using System.CommandLine;
using System.Text.Json;
using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Nn;
using DistNet.Core.Training;

namespace DistNet.Cli.Commands;

public static class EvalCommand
{
    public static Command Create(TextWriter output)
    {
        var model = CommonOptions.Model();
        var data = CommonOptions.Data();
        var split = new Option<string>("--split") { Description = "Which part to score: train, validation, test or all", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("train", "validation", "test", "all");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var validation = CommonOptions.Validation();
        var test = CommonOptions.Test();
        var samples = CommonOptions.Samples();
        var noise = CommonOptions.Noise();
        var labelColumn = CommonOptions.LabelColumn();
        var seed = CommonOptions.Seed();
        var l1 = CommonOptions.L1();
        var l2 = CommonOptions.L2();

        var command = new Command("eval", "Score a saved model on a data set: mean loss, penalty, accuracy, 0-1 loss. " +
            "Give the same --seed, --validation and --test as in training to score the same split.")
        {
            model, data, split, json, validation, test, samples, noise, labelColumn, seed, l1, l2,
        };
        command.SetAction(parse =>
        {
            var saved = ModelFile.Load(parse.GetValue(model)!);
            var options = new DataOptions
            {
                Seed = parse.GetValue(seed), Validation = parse.GetValue(validation), Test = parse.GetValue(test),
                Samples = parse.GetValue(samples), Noise = parse.GetValue(noise), LabelColumn = parse.GetValue(labelColumn),
            };
            string part = parse.GetValue(split)!;
            Dataset dataset;
            if (part == "all") dataset = DataLoader.LoadAll(parse.GetValue(data), options);
            else
            {
                var parts = TrainingOptions.LoadSplit(parse.GetValue(data)!, options);
                dataset = part switch { "train" => parts.Train, "validation" => parts.Validation, _ => parts.Test };
            }
            CommonOptions.Require(dataset.Count > 0, $"the {part} split of {parse.GetValue(data)} is empty");
            Evaluation.CheckCompatible(saved.Network.Architecture, dataset);
            CheckClasses(saved, dataset);
            var result = Evaluation.Of(saved.Network, saved.Prepare(dataset), new Penalty(parse.GetValue(l1), parse.GetValue(l2)));

            if (parse.GetValue(json))
            {
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("samples", result.Samples);
                    writer.WriteNumber("loss", result.Loss);
                    writer.WriteNumber("penalty", result.Penalty);
                    if (result.Accuracy is { } a) writer.WriteNumber("accuracy", a); else writer.WriteNull("accuracy");
                    if (result.ZeroOneLoss is { } z) writer.WriteNumber("zeroOneLoss", z); else writer.WriteNull("zeroOneLoss");
                    writer.WriteEndObject();
                }
                output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
            else
            {
                output.WriteLine($"{part}: {result.Samples} samples");
                output.WriteLine($"  loss       {result.Loss:F6}");
                output.WriteLine($"  penalty    {result.Penalty:F6}");
                if (result.Accuracy is { } a) output.WriteLine($"  accuracy   {a:F4}");
                if (result.ZeroOneLoss is { } z) output.WriteLine($"  0-1 loss   {z:F4}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Labels are indices into the class list: a model and data that name classes differently would be scored wrongly.</summary>
    internal static void CheckClasses(Model model, Dataset data)
    {
        if (model.Classes is null || data.Classes is null) return;
        if (!model.Classes.SequenceEqual(data.Classes))
            throw new UsageException($"{data.Name}: classes [{string.Join(",", data.Classes)}] differ from the model's [{string.Join(",", model.Classes)}]");
    }
}
