using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Models;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training.Sweep;

namespace DistNet.Cli.Commands;

/// <summary>
/// `distnet sweep`: choose the hidden layers by trying candidates and keeping the one that does
/// best on the validation split. Candidates train side by side, one per worker actor at a time
/// (task parallelism); each trains exactly as `distnet train` would train it alone, so the
/// table and the chosen model do not depend on --workers.
/// </summary>
public static class SweepCommand
{
    public static Command Create(TextWriter output)
    {
        var options = new CandidateOptions(CommonOptions.Data(), CommonOptions.HiddenCandidates("1,2,4,8,16,32"));
        var modelOut = CommonOptions.ModelOut();
        var tableOut = CommonOptions.TableOut();
        var command = new Command("sweep", "Train one model per hidden-layer candidate, in parallel over worker actors; " +
            "score each on the validation split, print the table and keep the best");
        foreach (var option in options.All) command.Add(option);
        command.Add(modelOut);
        command.Add(tableOut);
        command.SetAction(parse =>
        {
            var tablePath = parse.GetValue(tableOut);
            SweepTable.CheckPath(tablePath);
            var run = options.Bind(parse);
            CommonOptions.Require(run.Prepared.Validation.Count > 0,
                "sweep scores the candidates on the validation split: --validation must leave at least one sample");
            var result = run.Execute(output);
            var best = result.BestCandidate;

            SweepTable.Print(output, result, run, trainAccuracy: false);
            if (tablePath is not null)
            {
                SweepTable.Write(tablePath, result, run);
                output.WriteLine($"table written to {tablePath}");
            }
            if (best is null)
                throw new TrainingDivergedException("no candidate could be trained and scored (see the table)");
            output.WriteLine($"best: candidate {best.Index + 1} (hidden {CommonOptions.FormatHidden(best.Hidden)}), " +
                (run.Prepared.Train.IsClassification ? SweepResult.Criterion : SweepResult.RegressionCriterion));

            var model = run.ModelOf(best);
            if (run.Prepared.Test.Count > 0)
            {
                var test = Evaluation.Of(model.Network, run.Prepared.Test, Penalty.None);
                output.WriteLine(test.Accuracy is { } accuracy
                    ? $"test (best candidate): loss {test.Loss:F4}, accuracy {accuracy:F4} ({test.Samples} samples)"
                    : $"test (best candidate): loss {test.Loss:F4} ({test.Samples} samples)");
            }
            if (parse.GetValue(modelOut) is { } path)
            {
                ModelFile.Save(model, path);
                output.WriteLine($"model written to {path}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>
/// Candidates bound from the command line and ready to train: the data as loaded (to draw) and
/// as the models see it (prepared), the job every candidate shares, and the candidates.
/// </summary>
internal sealed record CandidateRun(
    string DataSpec,
    DataSplit Raw,
    DataSplit Prepared,
    SweepJob Job,
    int[][] Candidates,
    int Workers,
    InputTransform? Transform,
    string[]? Classes)
{
    /// <summary>Trains every candidate over the worker actors, printing a line as each one finishes.</summary>
    public SweepResult Execute(TextWriter output)
    {
        var (train, validation, test) = (Prepared.Train, Prepared.Validation, Prepared.Test);
        var settings = Job.Settings;
        output.WriteLine($"data {DataSpec}: {train.Count} train, {validation.Count} validation, {test.Count} test samples, {train.FeatureCount} features");
        output.WriteLine($"{Candidates.Length} candidate{(Candidates.Length == 1 ? "" : "s")} {train.FeatureCount}-hidden-{Job.Outputs} " +
            $"({Activations.Name(Job.HiddenActivation)}, {Losses.Name(Job.Loss)}{(Job.Bias ? "" : ", no bias")}); " +
            $"{Optimizer.Name(settings.Optimizer.Kind)} lr {settings.Optimizer.LearningRate}, batch {settings.BatchSize}, " +
            $"{settings.Epochs} epochs, seed {settings.Seed}, {settings.MicroShards} micro-shards");
        output.WriteLine($"{Workers} worker{(Workers == 1 ? "" : "s")}, {(Workers == 1 ? "training" : "each training")} one whole candidate at a time; " +
            $"BLAS: {Blas.Backend}, {Blas.ThreadCount} thread{(Blas.ThreadCount == 1 ? "" : "s")}");
        return LocalSweep.Run(Job, Candidates, Workers, done => output.WriteLine(
            $"  candidate {done.Index + 1} (hidden {CommonOptions.FormatHidden(done.Hidden)}) " +
            (done.Succeeded ? $"trained by worker {done.TrainerId} in {done.Seconds:F2} s" : $"failed: {done.Failure}")));
    }

    /// <summary>A trained candidate as a model file holds it, input transform and class names included.</summary>
    public Model ModelOf(CandidateTrained candidate) =>
        new(new Mlp(Job.ArchitectureFor(candidate.Hidden), candidate.Parameters), Transform, Classes);

    public int ParameterCount(int[] hidden) => new ParameterLayout(Job.ArchitectureFor(hidden)).Count;
}

/// <summary>
/// The options that `sweep` and `boundary` share: the training options of `train` (the same
/// factories and defaults), hidden-layer candidates instead of one --hidden, and --workers.
/// </summary>
internal sealed class CandidateOptions(Option<string> data, Option<string> hidden)
{
    public Option<string> Data { get; } = data;
    public Option<string> Hidden { get; } = hidden;
    public ModelTrainingOptions Model { get; } = new();
    public Option<int> Workers { get; } = CommonOptions.Workers();

    public IEnumerable<Option> All => [Data, .. Model.DataOptions, Hidden, .. Model.ModelAndTrainerOptions, Workers];

    public CandidateRun Bind(ParseResult parse)
    {
        var settings = Model.BindTrainer(parse);
        CommonOptions.Require(parse.GetValue(Workers) >= 1, "--workers must be at least 1");
        var candidates = CommonOptions.ParseCandidates(parse.GetValue(Hidden)!);
        var activation = Model.BindActivation(parse);
        var loss = Model.BindLoss(parse);
        string spec = parse.GetValue(Data)!;
        var raw = TrainingOptions.LoadSplit(spec, Model.BindData(parse));
        var train = raw.Train;
        if (train.Count == 0) throw new DataException($"{spec}: the training split is empty");
        // Outputs and input transform exactly as `train` builds them, so a candidate's model
        // file is the one `train --hidden …` would write with the same options.
        int outputs = ModelTrainingOptions.Outputs(train, loss);
        var transform = parse.GetValue(Model.Standardize) ? InputTransform.Standardize(train) : null;
        var prepared = transform is null ? raw
            : new DataSplit(train.Transformed(transform), raw.Validation.Transformed(transform), raw.Test.Transformed(transform));
        var job = new SweepJob(prepared.Train, prepared.Validation, activation, loss, outputs, !parse.GetValue(Model.NoBias), settings);
        return new CandidateRun(spec, raw, prepared, job, candidates, parse.GetValue(Workers), transform, train.Classes);
    }
}

/// <summary>The table of a sweep: printed for people, written as CSV or JSON for programs.</summary>
internal static class SweepTable
{
    public static void CheckPath(string? path)
    {
        if (path is null) return;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        CommonOptions.Require(extension is ".csv" or ".json", $"--table-out: '{path}' must end in .csv or .json");
    }

    /// <summary>One row per candidate in candidate order; the best is marked with '*'.</summary>
    public static void Print(TextWriter output, SweepResult result, CandidateRun run, bool trainAccuracy)
    {
        bool classification = run.Prepared.Train.IsClassification;
        bool validation = run.Prepared.Validation.Count > 0;
        var header = new List<string> { "candidate", "hidden", "parameters" };
        if (trainAccuracy && classification) header.Add("train accuracy");
        if (validation) header.Add("validation loss");
        if (validation && classification) header.Add("validation accuracy");
        header.Add("training time (s)");
        var rows = result.Candidates.Select(c =>
        {
            var cells = new List<string> { (c.Index + 1).ToString(CultureInfo.InvariantCulture), CommonOptions.FormatHidden(c.Hidden),
                run.ParameterCount(c.Hidden).ToString(CultureInfo.InvariantCulture) };
            if (trainAccuracy && classification) cells.Add(Number(c.Train.Accuracy));
            if (validation) cells.Add(Number(c.Validation?.Loss));
            if (validation && classification) cells.Add(Number(c.Validation?.Accuracy));
            cells.Add(c.Seconds.ToString("F2", CultureInfo.InvariantCulture));
            return cells;
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine("  " + string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))));
        for (int r = 0; r < rows.Count; r++)
        {
            string mark = r == result.Best ? "* " : "  ";
            var line = mark + string.Join("  ", rows[r].Select((cell, i) => i == 1 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i])));
            if (!result.Candidates[r].Succeeded) line += $"  failed: {result.Candidates[r].Failure}";
            output.WriteLine(line.TrimEnd());
        }
        if (result.Best >= 0) output.WriteLine("  (* best on the validation split)");
    }

    public static void Write(string path, SweepResult result, CandidateRun run)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var text = Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase) ? Json(result, run) : Csv(result, run);
        File.WriteAllText(path, text);
    }

    private static string Csv(SweepResult result, CandidateRun run)
    {
        var csv = new StringBuilder("candidate,hidden,parameters,epochs,trainLoss,trainAccuracy,validationLoss,validationAccuracy,trainSeconds,worker,best,failure\n");
        foreach (var c in result.Candidates)
        {
            csv.AppendJoin(',',
                (c.Index + 1).ToString(CultureInfo.InvariantCulture),
                Quote(CommonOptions.FormatHidden(c.Hidden)),
                run.ParameterCount(c.Hidden).ToString(CultureInfo.InvariantCulture),
                c.History.Length.ToString(CultureInfo.InvariantCulture),
                Raw(c.Train.Loss), Raw(c.Train.Accuracy), Raw(c.Validation?.Loss), Raw(c.Validation?.Accuracy),
                Raw(c.Seconds), c.TrainerId.ToString(CultureInfo.InvariantCulture),
                c.Index == result.Best ? "true" : "false",
                c.Failure is null ? "" : Quote(c.Failure));
            csv.Append('\n');
        }
        return csv.ToString();
    }

    private static string Json(SweepResult result, CandidateRun run)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("data", run.DataSpec);
            json.WriteString("criterion", run.Prepared.Train.IsClassification ? SweepResult.Criterion : SweepResult.RegressionCriterion);
            if (result.Best >= 0) json.WriteNumber("best", result.Best + 1);
            else json.WriteNull("best");
            json.WriteStartArray("candidates");
            foreach (var c in result.Candidates)
            {
                json.WriteStartObject();
                json.WriteNumber("candidate", c.Index + 1);
                json.WriteStartArray("hidden");
                foreach (var units in c.Hidden) json.WriteNumberValue(units);
                json.WriteEndArray();
                json.WriteNumber("parameters", run.ParameterCount(c.Hidden));
                json.WriteNumber("epochs", c.History.Length);
                Optional(json, "trainLoss", c.Train.Loss);
                Optional(json, "trainAccuracy", c.Train.Accuracy);
                Optional(json, "validationLoss", c.Validation?.Loss);
                Optional(json, "validationAccuracy", c.Validation?.Accuracy);
                json.WriteNumber("trainSeconds", Math.Round(c.Seconds, 4));
                json.WriteNumber("worker", c.TrainerId);
                json.WriteBoolean("best", c.Index == result.Best);
                if (c.Failure is null) json.WriteNull("failure");
                else json.WriteString("failure", c.Failure);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Optional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Raw(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
